// Window/level presets by body part, as data: one list, in the order of the menu, each with the digit key that
// applies it. Values are centre / width in Hounsfield units (CT); they follow common Chinese radiology practice
// and what textbooks give (brain 40/80, bone 400/1800, mediastinum 40/400, lung −600/1500, abdomen 40/350,
// liver 60/160). A department may keep its own list instead (VIEW-15, GET/PUT /api/viewer/presets): setPresets()
// makes it the active list, which the menu, the digit keys (the first ten: 1…9, 0), the help table and the corner
// label (matchPreset) all read; setPresets(null) goes back to the built-in one.

/**
 * A preset as the viewer uses it: a built-in one names its label by catalogue key, a department's by its own text.
 * @typedef {{ id: string, labelKey?: string, name?: string, nameEn?: string, center: number, width: number, key: string }} Preset
 */
/**
 * A preset as GET/PUT /api/viewer/presets carry it.
 * @typedef {{ id: string, name: string, nameEn?: string, center: number, width: number }} DepartmentPreset
 */
/**
 * A built-in preset: its label is a catalogue key.
 * @typedef {Preset & { labelKey: string }} BuiltinPreset
 */

/** The digit keys, in the order they are given to the presets of the list. */
export const PRESET_KEYS = Object.freeze(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']);
/** The most presets a department list may hold (the server's limit). */
export const MAX_PRESETS = 16;

/**
 * The built-in list.
 * @type {readonly BuiltinPreset[]}
 */
export const PRESETS = Object.freeze([
  { id: 'brain', labelKey: 'viewer.preset.brain', center: 40, width: 80, key: '1' }, // 头颅（脑窗）
  { id: 'bone', labelKey: 'viewer.preset.bone', center: 400, width: 1800, key: '2' }, // 骨窗
  { id: 'mediastinum', labelKey: 'viewer.preset.mediastinum', center: 40, width: 400, key: '3' }, // 纵隔
  { id: 'lung', labelKey: 'viewer.preset.lung', center: -600, width: 1500, key: '4' }, // 肺窗
  { id: 'abdomen', labelKey: 'viewer.preset.abdomen', center: 40, width: 350, key: '5' }, // 腹部
  { id: 'liver', labelKey: 'viewer.preset.liver', center: 60, width: 160, key: '6' }, // 肝脾
  { id: 'kidney', labelKey: 'viewer.preset.kidney', center: 40, width: 300, key: '7' }, // 肾脏
  { id: 'pancreas', labelKey: 'viewer.preset.pancreas', center: 45, width: 250, key: '8' }, // 胰腺
  { id: 'nasopharynx', labelKey: 'viewer.preset.nasopharynx', center: 50, width: 350, key: '9' }, // 鼻咽（头颈软组织）
  { id: 'limbs', labelKey: 'viewer.preset.limbs', center: 300, width: 1500, key: '0' }, // 四肢（骨与软组织）
].map((p) => Object.freeze(p)));

/**
 * The list in use: the built-in one until a department's replaces it.
 * @type {readonly Preset[]}
 */
let active = PRESETS;

/** The presets in use, in menu order. */
export function activePresets() {
  return active;
}

/**
 * Makes a department's list the one in use (null or undefined: the built-in list again).
 * @param {readonly DepartmentPreset[] | null | undefined} list @returns {readonly Preset[]}
 */
export function setPresets(list) {
  active = list ? fromDepartment(list) : PRESETS;
  return active;
}

/**
 * A department's list as viewer presets: numbers as numbers, the first ten with the digit keys 1…9, 0, frozen.
 * @param {readonly DepartmentPreset[]} list @returns {readonly Preset[]}
 */
export function fromDepartment(list) {
  return Object.freeze(list.map((p, i) => {
    /** @type {Preset} */
    const out = { id: String(p.id), name: String(p.name ?? ''), center: Number(p.center), width: Number(p.width), key: PRESET_KEYS[i] ?? '' };
    if (p.nameEn) out.nameEn = String(p.nameEn);
    return Object.freeze(out);
  }));
}

/**
 * The built-in list written as a department list (the editor starts from it when the department has none yet).
 * @param {Record<string, string>} zh @param {Record<string, string>} en the viewer's catalogues
 * @returns {DepartmentPreset[]}
 */
export function builtinAsDepartment(zh, en) {
  return PRESETS.map((p) => ({ id: p.id, name: zh[p.labelKey] ?? p.id, nameEn: en[p.labelKey] ?? '', center: p.center, width: p.width }));
}

/**
 * What a preset is called in the interface language.
 * @param {Preset} p @param {(key: string) => string} t @param {string} [language] 'en' picks the English name when there is one
 */
export function presetLabel(p, t, language) {
  if (p.labelKey) return t(p.labelKey);
  return (language === 'en' && p.nameEn) || p.name || p.id;
}

/**
 * An identifier for a new preset, `custom-N`, not yet used in the list (the server wants `[a-z0-9_-]`, unique).
 * @param {readonly { id: string }[]} list
 */
export function newPresetId(list) {
  const used = new Set(list.map((p) => p.id));
  let n = 1;
  while (used.has(`custom-${n}`)) n++;
  return `custom-${n}`;
}

/**
 * The list with row `index` moved by `delta` places (up −1, down +1); the same list when it cannot move.
 * @template T @param {readonly T[]} list @param {number} index @param {number} delta @returns {T[]}
 */
export function movePreset(list, index, delta) {
  const to = index + delta;
  const out = [...list];
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return out;
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item);
  return out;
}

/**
 * The row and field a server validation error names: `presets[2].width` → { row: 2, field: 'width' };
 * `presets` (the whole list) → { row: null, field: '' }; anything else → null.
 * @param {string} path @returns {{ row: number | null, field: string } | null}
 */
export function presetErrorPlace(path) {
  if (path === 'presets') return { row: null, field: '' };
  const m = /^presets\[(\d+)\](?:\.(\w+))?$/.exec(path);
  return m ? { row: Number(m[1]), field: m[2] ?? '' } : null;
}

/**
 * Names the time of the last change in the local clock, `2026-03-08 14:05` (the server writes ISO 8601 UTC).
 * @param {string | null | undefined} iso @returns {string}
 */
export function changedAt(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * A built-in preset by its id.
 * @param {string} id @returns {BuiltinPreset | undefined}
 */
export function presetById(id) {
  return PRESETS.find((p) => p.id === id);
}

/** @param {string} key a keyboard key ('1' … '0') @returns {Preset | undefined} */
export function presetForKey(key) {
  if (!key) return undefined;
  return active.find((p) => p.key === key);
}

/**
 * A window from a preset, in the form the renderer takes.
 * @param {Preset} p @returns {import('./pixels.js').Window}
 */
export function presetWindow(p) {
  return { center: p.center, width: p.width, fn: 'LINEAR' };
}

/**
 * The preset whose values a window has, if any (to tick it in the menu and name it in the corner).
 * @param {{ center: number, width: number } | null | undefined} w
 */
export function matchPreset(w) {
  if (!w) return undefined;
  return active.find((p) => p.center === w.center && p.width === w.width);
}

/**
 * Interactive window/level from a mouse drag: dragging right widens the window, dragging down raises
 * the centre (the image darkens), the convention of most workstations. The step
 * scales with the width so that both a brain window and a full-range one move at a usable speed.
 * @param {{ center: number, width: number }} start @param {number} dx @param {number} dy CSS pixels since the drag began
 * @param {number} [sensitivity] modality units per pixel per unit of width, default width/256
 * @returns {{ center: number, width: number }}
 */
export function dragWindow(start, dx, dy, sensitivity) {
  const step = sensitivity ?? Math.max(1, start.width / 256);
  const width = Math.max(1, Math.round(start.width + dx * step));
  const center = Math.round(start.center + dy * step);
  return { center, width };
}
