// Window/level presets by body part, as data: one list, in the order of the menu, each with the digit key that
// applies it. Values are centre / width in Hounsfield units (CT); they follow common Chinese radiology practice
// and what textbooks give (brain 40/80, bone 400/1800, mediastinum 40/400, lung −600/1500, abdomen 40/350,
// liver 60/160). A department may override them later (issue #6, VIEW-15), which is why they live here as
// plain data and nothing else knows the numbers.

/** @typedef {{ id: string, labelKey: string, center: number, width: number, key: string }} Preset */

/** @type {readonly Preset[]} */
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

/** @param {string} id @returns {Preset | undefined} */
export function presetById(id) {
  return PRESETS.find((p) => p.id === id);
}

/** @param {string} key a keyboard key ('1' … '0') @returns {Preset | undefined} */
export function presetForKey(key) {
  return PRESETS.find((p) => p.key === key);
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
  return PRESETS.find((p) => p.center === w.center && p.width === w.width);
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
