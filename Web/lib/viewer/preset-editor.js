// 科室窗宽窗位预设 (issue #6, VIEW-15): the viewer asks GET /api/viewer/presets for the reader's department list when it
// starts and, when the department has one, uses it wherever the built-in presets were (menu, digit keys, help, the
// corner label; lib/viewer/presets.js setPresets). The presets menu names the department; a reader holding
// viewer.presets.manage (科主任, 主任医师) gets 编辑科室预设…, a table of name / English name / width / level with add,
// delete, move up / down, 用当前窗 (the active viewport's window into a row), 恢复系统默认 (DELETE) and 保存 (PUT; the
// server checks every field and its `presets[2].width`-style errors are shown at the row they name).

import { h, replace, svgIcon } from '../dom.js';
import { t, acceptLanguage, getLanguage } from '../i18n.js';
import { createApiClient, ApiError } from '../api.js';
import { viewerIcon } from './icons.js';
import { setPresets, builtinAsDepartment, presetLabel, newPresetId, movePreset, presetErrorPlace, changedAt, PRESET_KEYS, MAX_PRESETS } from './presets.js';
import viewerZh from '../i18n/viewer.zh-CN.js';
import viewerEn from '../i18n/viewer.en.js';

/** @typedef {import('./presets.js').Preset} Preset */
/** @typedef {import('./presets.js').DepartmentPreset} DepartmentPreset */
/**
 * GET /api/viewer/presets.
 * @typedef {{ departmentId: number | null, departmentName: string | null, presets: DepartmentPreset[] | null, updatedAt: string | null, updatedBy: string | null, canEdit: boolean }} DepartmentInfo
 */

/**
 * What a preset is called in the current interface language.
 * @param {Preset} p
 */
export function presetName(p) {
  return presetLabel(p, t, getLanguage());
}

const PRESETS_URL = '/api/viewer/presets';

/**
 * What the viewer lends this module.
 * @typedef {object} PresetHost
 * @property {(testid: string, title: string, body: import('../dom.js').Child, footer?: import('../dom.js').Child) => HTMLDialogElement} dialog
 * @property {(testid: string, content: import('../dom.js').Child, action: () => void) => HTMLElement} menuItem
 * @property {() => { center: number, width: number } | null} activeWindow the window the active viewport shows
 * @property {(text: string) => void} toast
 * @property {() => void} changed the active list changed: redraw what names presets (corners)
 */

/** @param {PresetHost} host */
export function createDepartmentPresets(host) {
  const api = createApiClient({ acceptLanguage, translate: t });
  /** @type {DepartmentInfo | null} */
  let info = null;

  /** @param {DepartmentInfo} next */
  function apply(next) {
    info = next;
    setPresets(next.presets);
    host.changed();
  }

  async function load() {
    try {
      apply(/** @type {DepartmentInfo} */ (await api.get(PRESETS_URL)));
    } catch (e) {
      console.warn('department presets', e); // the built-in list stays in use
    }
  }

  async function csrf() {
    if (api.getCsrfToken()) return;
    const me = await api.get('/api/me');
    api.setCsrfToken(me?.csrfToken ?? null);
  }

  /** The presets menu's first line: whose list it is. */
  function menuHead() {
    if (!info?.departmentId) return [];
    const name = info.departmentName || t('deptPresets.noDepartmentName');
    return [h('div', { class: 'vx-menu-head', testid: 'preset-department' }, t(info.presets ? 'deptPresets.menuHead' : 'deptPresets.menuHeadDefault', { name }))];
  }

  /** The presets menu's last entries: the editor, for those who may change the list. */
  function menuTail() {
    if (!info?.canEdit || !info.departmentId) return [];
    return [host.menuItem('preset-edit-department', t('deptPresets.edit'), () => openEditor())];
  }

  function openEditor() {
    if (!info) return;
    const current = /** @type {DepartmentInfo} */ (info);
    /** @type {{ id: string, name: string, nameEn: string, width: string, center: string }[]} */
    let rows = (current.presets ?? builtinAsDepartment(viewerZh, viewerEn)).map((p) => ({
      id: p.id, name: p.name, nameEn: p.nameEn ?? '', width: String(p.width), center: String(p.center),
    }));
    /** @type {Map<number, Record<string, string>>} row → field → message */
    let errors = new Map();
    const tbody = h('tbody');
    const general = h('p', { class: 'vw-form-error', role: 'alert', testid: 'preset-editor-error' });
    const add = h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'preset-add', onclick: () => {
      const w = host.activeWindow();
      rows.push({ id: newPresetId(rows), name: '', nameEn: '', width: w ? num(w.width) : '400', center: w ? num(w.center) : '40' });
      errors = new Map();
      render();
      /** @type {HTMLInputElement | null} */ (tbody.querySelector('tr.vx-preset-row:last-of-type input'))?.focus();
    } }, svgIcon(['M12 5v14', 'M5 12h14'], 'vw-icon'), t('deptPresets.add'));
    const save = h('button', { type: 'button', class: 'vw-btn vw-btn-primary', testid: 'preset-save', onclick: () => void submit() }, t('deptPresets.save'));
    let resetArmed = false;
    const reset = h('button', { type: 'button', class: 'vw-btn vx-left', testid: 'preset-reset', disabled: !current.presets, title: t('deptPresets.resetHint'), onclick: () => void restore() }, t('deptPresets.reset'));
    const meta = h('p', { class: 'vx-meta', testid: 'preset-editor-meta' },
      current.presets && current.updatedBy
        ? t('deptPresets.lastChange', { who: current.updatedBy, at: changedAt(current.updatedAt) })
        : current.presets ? t('deptPresets.lastChange', { who: '—', at: changedAt(current.updatedAt) }) : t('deptPresets.usingDefault'));
    const d = host.dialog('preset-editor', t('deptPresets.title', { name: current.departmentName || t('deptPresets.noDepartmentName') }), [
      h('p', { class: 'vx-hint' }, t('deptPresets.intro', { max: MAX_PRESETS })),
      meta,
      h('table', { class: 'vx-presets', testid: 'preset-table' },
        h('thead', null, h('tr', null,
          h('th', null, t('deptPresets.colKey')), h('th', null, t('deptPresets.colName')), h('th', null, t('deptPresets.colNameEn')),
          h('th', null, t('deptPresets.colWidth')), h('th', null, t('deptPresets.colCenter')), h('th', null, t('deptPresets.colActions')))),
        tbody),
      h('div', { class: 'vx-presets-tools' }, add, h('span', { class: 'vx-hint', testid: 'preset-count' })),
      general,
    ], [
      reset,
      h('button', { type: 'button', class: 'vw-btn', testid: 'preset-cancel', onclick: () => d.close() }, t('viewer.cancel')),
      save,
    ]);
    d.classList.add('vx-dialog', 'vx-preset-dialog');

    /** @param {typeof rows[number]} r @param {'name' | 'nameEn' | 'width' | 'center'} field @param {number} i */
    const input = (r, field, i) => {
      const numeric = field === 'width' || field === 'center';
      const bad = errors.get(i)?.[field];
      return h('input', {
        class: ['vw-input', `vx-in-${field}`, bad && 'invalid'], testid: `preset-${field}`, value: r[field],
        type: numeric ? 'number' : 'text', step: numeric ? 'any' : undefined, maxlength: field === 'name' ? '16' : field === 'nameEn' ? '32' : undefined,
        placeholder: field === 'name' ? t('deptPresets.newName') : undefined,
        'aria-label': `${i + 1} ${t(`deptPresets.col${field === 'nameEn' ? 'NameEn' : field === 'name' ? 'Name' : field === 'width' ? 'Width' : 'Center'}`)}`,
        'aria-invalid': bad ? 'true' : undefined,
        oninput: (/** @type {Event} */ e) => {
          r[field] = /** @type {HTMLInputElement} */ (e.target).value;
        },
      });
    };
    /** @param {string} testid @param {string} tip @param {Element} icon @param {() => void} action @param {boolean} [disabled] */
    const small = (testid, tip, icon, action, disabled = false) => h('button', { type: 'button', class: 'vw-icon-btn vx-row-btn', testid, title: tip, 'aria-label': tip, disabled, onclick: action }, icon);

    function render() {
      replace(tbody, rows.map((r, i) => {
        const errs = errors.get(i);
        const messages = errs ? [...new Set(Object.values(errs))] : [];
        return [
          h('tr', { class: ['vx-preset-row', errs && 'has-error'], testid: 'preset-row', dataset: { id: r.id } },
            h('td', { class: 'vx-key' }, PRESET_KEYS[i] ? h('kbd', null, PRESET_KEYS[i]) : '—'),
            h('td', null, input(r, 'name', i)),
            h('td', null, input(r, 'nameEn', i)),
            h('td', null, input(r, 'width', i)),
            h('td', null, input(r, 'center', i)),
            h('td', { class: 'vx-actions' },
              h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'preset-from-view', title: t('deptPresets.fromViewTip'), onclick: () => {
                const w = host.activeWindow();
                if (!w) {
                  general.textContent = t('deptPresets.noWindow');
                  return;
                }
                r.width = num(w.width);
                r.center = num(w.center);
                render();
              } }, t('deptPresets.fromView')),
              small('preset-up', t('deptPresets.up'), svgIcon(['M6 15l6-6 6 6'], 'vw-icon'), () => move(i, -1), i === 0),
              small('preset-down', t('deptPresets.down'), svgIcon(['M6 9l6 6 6-6'], 'vw-icon'), () => move(i, 1), i === rows.length - 1),
              small('preset-delete', t('deptPresets.delete'), viewerIcon('trash'), () => {
                rows.splice(i, 1);
                errors = new Map();
                render();
              }, rows.length <= 1))),
          messages.length ? h('tr', { class: 'vx-row-error', testid: 'preset-row-error', dataset: { row: String(i) } }, h('td'), h('td', { colspan: '5' }, messages.join('；'))) : null,
        ];
      }));
      add.disabled = rows.length >= MAX_PRESETS;
      const count = /** @type {HTMLElement} */ (d.querySelector('[data-testid="preset-count"]'));
      count.textContent = rows.length >= MAX_PRESETS ? t('deptPresets.max', { max: MAX_PRESETS }) : '';
    }

    /** @param {number} i @param {number} delta */
    function move(i, delta) {
      rows = movePreset(rows, i, delta);
      errors = new Map();
      render();
    }

    async function submit() {
      general.textContent = '';
      errors = new Map();
      rows.forEach((r, i) => {
        for (const field of /** @type {const} */ (['width', 'center'])) {
          if (r[field].trim() === '' || !Number.isFinite(Number(r[field]))) errors.set(i, { ...errors.get(i), [field]: t('deptPresets.notNumber') });
        }
      });
      if (errors.size) {
        general.textContent = t('deptPresets.fixErrors');
        return render();
      }
      const body = { presets: rows.map((r) => ({ id: r.id, name: r.name.trim(), ...(r.nameEn.trim() ? { nameEn: r.nameEn.trim() } : {}), center: Number(r.center), width: Number(r.width) })) };
      save.disabled = true;
      save.textContent = t('deptPresets.saving');
      try {
        await csrf();
        apply(/** @type {DepartmentInfo} */ (await api.put(PRESETS_URL, body)));
        d.close();
        host.toast(t('deptPresets.saved'));
      } catch (e) {
        showError(e);
      } finally {
        save.disabled = false;
        save.textContent = t('deptPresets.save');
      }
    }

    async function restore() {
      if (!resetArmed) {
        resetArmed = true;
        reset.textContent = t('deptPresets.resetSure');
        reset.classList.add('vw-btn-danger');
        general.textContent = t('deptPresets.resetHint');
        return;
      }
      reset.disabled = true;
      try {
        await csrf();
        await api.del(PRESETS_URL);
        apply({ ...current, presets: null, updatedAt: null, updatedBy: null });
        d.close();
        host.toast(t('deptPresets.resetDone'));
      } catch (e) {
        reset.disabled = false;
        showError(e);
      }
    }

    /** @param {unknown} e */
    function showError(e) {
      /** @type {string[]} */
      const unplaced = [];
      if (e instanceof ApiError) {
        for (const f of e.fields) {
          const place = presetErrorPlace(f.field);
          if (place && place.row !== null && place.row < rows.length) {
            const key = place.field === 'id' || !place.field ? 'name' : place.field;
            const row = errors.get(place.row) ?? {};
            if (!row[key]) row[key] = f.message;
            errors.set(place.row, row);
          } else if (f.message) unplaced.push(f.message);
        }
        if (e.status === 403 || e.status === 401) api.setCsrfToken(null);
      }
      const text = e instanceof Error ? e.message : String(e);
      general.textContent = errors.size ? [t('deptPresets.fixErrors'), ...unplaced].join(' ') : unplaced.length ? unplaced.join(' ') : t('deptPresets.failed', { message: text });
      render();
    }

    render();
    /** @type {HTMLInputElement | null} */ (tbody.querySelector('input'))?.focus();
  }

  return {
    load,
    menuHead,
    menuTail,
    openEditor,
    /** The department answer as loaded (for the tests). */
    info: () => info,
  };
}

/** @param {number} n */
function num(n) {
  return String(Math.round(n * 100) / 100);
}
