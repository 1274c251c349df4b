// 预约规则 (#/sched-rules, scheduling.manage; REG-07, REG-08, REG-10): the department's booking rules in the order the
// server applies them (GET /api/scheduling/rules; reading also needs registration.manage), each with its kind (限制,
// 检查准备, 冲突, 合并), its conditions in words (预约渠道 属于 自助机、微信公众号; 床旁 = 是), its parameters, its message and
// an 启用 switch; 新建规则 / 编辑 in a dialog (conditions builder over the server's `fields`, value pickers for the
// fields with known values, the kind's own parameters), 上移 / 下移 (PUT position), 删除 after a confirmation. The
// server's field errors stand under their fields.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { pageHeader, button, badge, dataTable, select, formModal, confirmDialog, toast, toastError, field, showProblems } from '../components/ui.js';
import {
  RULE_KINDS, RULE_KIND_KEYS, RULE_KIND_TONES, RULE_FIELDS, RULE_OPS, OP_KEYS, VALUE_CHOICES, MIN_DAYS_RANGE, MAX_DAYS_RANGE, fieldLabel, valueLabel,
  conditionText, paramsText, ruleBody, reorder, splitValues,
} from '../lib/booking-rules.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/booking-rules.js').BookingRule} BookingRule */
/** @typedef {import('../lib/booking-rules.js').RuleCondition} RuleCondition */

const BASE = '/api/scheduling/rules';
const HINT_KEYS = /** @type {Record<string, string>} */ ({
  restrict: 'rules.kindHint.restrict', preparation: 'rules.kindHint.preparation', conflict: 'rules.kindHint.conflict', merge: 'rules.kindHint.merge',
});
const MESSAGE_HINT_KEYS = /** @type {Record<string, string>} */ ({
  restrict: 'rules.f.messageHint.restrict', preparation: 'rules.f.messageHint.preparation', conflict: 'rules.f.messageHint.conflict', merge: 'rules.f.messageHint.merge',
});

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderBookingRules(main, ctx) {
  const { api } = ctx;
  /** @type {BookingRule[]} */
  let rules = [];
  let fields = [...RULE_FIELDS];
  let busy = false;

  /** @param {BookingRule} r */
  const conditionsCell = (r) => {
    const extra = paramsText(r, t);
    return h(
      'div',
      { class: 'rules-conditions' },
      r.conditions.length
        ? h('ul', { class: 'rules-cond-list' }, r.conditions.map((c) => h('li', { class: 'rules-cond', testid: 'rules-cond' }, conditionText(c, t))))
        : h('span', { class: 'muted', testid: 'rules-cond' }, t('rules.always')),
      extra ? h('div', { class: 'rules-params muted', testid: 'rules-params' }, extra) : null,
    );
  };

  /** @param {BookingRule} r */
  const activeCell = (r) => {
    const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', role: 'switch', checked: r.active, testid: 'rules-active-input', 'aria-label': t('rules.activeSwitch', { name: r.name }) }));
    box.addEventListener('change', () => toggleActive(r, box));
    return h('label', { class: 'toggle', testid: 'rules-active' }, box, h('span', { class: 'toggle-track', 'aria-hidden': 'true' }), h('span', { class: 'toggle-text' }, r.active ? t('status.active') : t('status.inactive')));
  };

  const table = dataTable({
    testid: 'rules-table',
    columns: /** @type {import('../components/ui.js').Column<BookingRule>[]} */ ([
      { title: t('rules.col.order'), className: 'num', render: (r) => h('span', { testid: 'rules-order' }, String(rules.indexOf(r) + 1)) },
      { title: t('rules.col.name'), render: (r) => h('span', { class: 'strong', testid: 'rules-name' }, r.name) },
      { title: t('rules.col.kind'), className: 'nowrap', render: (r) => badge(t(RULE_KIND_KEYS[r.kind] || r.kind), RULE_KIND_TONES[r.kind] || 'gray', { testid: 'rules-kind', dataset: { kind: r.kind } }) },
      { title: t('rules.col.conditions'), render: conditionsCell },
      { title: t('rules.col.message'), render: (r) => h('span', { class: 'rules-message', testid: 'rules-message' }, r.message) },
      { title: t('rules.col.active'), className: 'nowrap', render: activeCell },
      {
        title: t('common.actions'),
        className: 'actions-col',
        render: (r) => {
          const i = rules.indexOf(r);
          return h(
            'div',
            { class: 'row-actions' },
            button(t('rules.moveUp'), { variant: 'link', testid: 'rules-up', disabled: i <= 0, onclick: () => move(i, -1) }),
            button(t('rules.moveDown'), { variant: 'link', testid: 'rules-down', disabled: i >= rules.length - 1, onclick: () => move(i, 1) }),
            button(t('common.edit'), { variant: 'link', testid: 'rules-edit', onclick: () => openForm(r) }),
            button(t('common.delete'), { variant: 'link-danger', testid: 'rules-delete', onclick: () => remove(r) }),
          );
        },
      },
    ]),
    rowProps: (r) => ({ testid: 'rules-row', dataset: { id: String(r.id), name: r.name, kind: r.kind }, class: r.active ? undefined : 'row-inactive' }),
    empty: () => ({ title: t('rules.emptyTitle'), text: t('rules.emptyText') }),
  });

  replace(
    main,
    pageHeader(t('nav.schedRules'), t('desc.schedRules'), [button(t('rules.new'), { variant: 'primary', icon: 'plus', testid: 'rules-new', onclick: () => openForm(null) })]),
    ctx.can('registration.manage') ? null : h('div', { class: 'notice notice-warn sched-notice', testid: 'sched-read-notice' }, icon('alert'), h('span', null, t('sched.readNeedsRegistration'))),
    h('div', { class: 'notice rules-intro', testid: 'rules-intro' }, icon('info'), h('span', null, t('rules.intro'))),
    h('div', { class: 'card' }, table.el),
  );

  async function load() {
    table.setLoading();
    try {
      /** @type {{items: BookingRule[], fields?: string[]}} */
      const answer = await api.get(BASE, undefined, ctx.signal);
      if (Array.isArray(answer.fields) && answer.fields.length) fields = answer.fields;
      rules = [...answer.items].sort((a, b) => a.position - b.position || a.id - b.id);
      table.setRows(rules);
    } catch (error) {
      if (ctx.signal.aborted) return;
      table.setError(error, load);
    }
  }

  /** @param {BookingRule} r @param {HTMLInputElement} box */
  async function toggleActive(r, box) {
    const next = box.checked;
    box.disabled = true;
    try {
      await api.put(`${BASE}/${r.id}`, { active: next });
      toast(t(next ? 'rules.on' : 'rules.off', { name: r.name }), 'success');
      load();
    } catch (error) {
      box.checked = !next;
      box.disabled = false;
      toastError(error);
    }
  }

  /** @param {number} index @param {-1 | 1} direction */
  async function move(index, direction) {
    if (busy) return;
    const { puts } = reorder(rules, index, direction);
    if (!puts.length) return;
    busy = true;
    try {
      for (const p of puts) await api.put(`${BASE}/${p.id}`, { position: p.position });
    } catch (error) {
      toastError(error);
    } finally {
      busy = false;
      load();
    }
  }

  /** @param {BookingRule} r */
  async function remove(r) {
    if (!(await confirmDialog({ title: t('rules.deleteTitle'), message: t('rules.deleteConfirm', { name: r.name }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`${BASE}/${r.id}`);
      toast(t('rules.deleted', { name: r.name }), 'success');
    } catch (error) {
      toastError(error);
    }
    load();
  }

  // ------------------------------------------------------------ add / edit

  /** @param {string} selected */
  const fieldOptions = (selected) => fields.map((f) => ({ value: f, label: fieldLabel(f, t) })).concat(fields.includes(selected) || !selected ? [] : [{ value: selected, label: selected }]);

  /**
   * A value control for a field and operator: a list to pick from (eq / ne of a field with known values), check chips
   * (in of such a field), else text. get() reads it the way the server wants it (in: comma list).
   * @param {string} fieldName @param {string} op @param {string} value @param {string} testid
   */
  function valueControl(fieldName, op, value, testid) {
    const choices = VALUE_CHOICES[fieldName];
    if (choices && (op === 'eq' || op === 'ne')) {
      const options = choices.map((v) => ({ value: v, label: valueLabel(fieldName, v, t) }));
      if (value && !choices.includes(value)) options.push({ value, label: value });
      const el = /** @type {HTMLSelectElement} */ (select(options, value, { testid }, t('rules.choose')));
      return { el, get: () => el.value };
    }
    if (choices && op === 'in') {
      const picked = new Set(splitValues(value));
      const extra = [...picked].filter((v) => !choices.includes(v));
      const el = h(
        'div',
        { class: 'check-chips rules-value-chips', role: 'group', testid },
        [...choices, ...extra].map((v) =>
          h('label', { class: 'check-chip' }, h('input', { type: 'checkbox', value: v, checked: picked.has(v), testid: `${testid}-${v}` }), h('span', null, valueLabel(fieldName, v, t))),
        ),
      );
      return {
        el,
        get: () => [...el.querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value).join(','),
      };
    }
    const el = /** @type {HTMLInputElement} */ (h('input', { class: 'input', maxlength: '200', value, autocomplete: 'off', testid, placeholder: op === 'in' ? t('rules.op.in') : '' }));
    return { el, get: () => el.value };
  }

  /** @param {BookingRule | null} rule */
  function openForm(rule) {
    const kind = /** @type {HTMLSelectElement} */ (select(RULE_KINDS.map((k) => ({ value: k, label: t(RULE_KIND_KEYS[k]) })), rule?.kind || 'restrict', { name: 'kind', testid: 'rules-f-kind' }));
    const kindHint = h('span', { testid: 'rules-f-kind-hint' });
    const name = h('input', { class: 'input', name: 'name', maxlength: '40', value: rule?.name || '', autocomplete: 'off', testid: 'rules-f-name' });
    const message = h('textarea', { class: 'input', name: 'message', rows: '2', maxlength: '200', testid: 'rules-f-message' }, rule?.message || '');
    const messageHint = h('span');
    const active = h('input', { type: 'checkbox', name: 'active', checked: rule ? rule.active : true, testid: 'rules-f-active' });

    // ---- conditions
    const condBox = h('div', { class: 'rules-cond-rows', testid: 'rules-f-conds' });
    /** @type {{row: HTMLElement, field: HTMLSelectElement, op: HTMLSelectElement, value: () => string}[]} */
    let rows = [];
    const renumber = () =>
      rows.forEach((r, i) => {
        r.row.dataset.index = String(i);
        for (const part of ['field', 'op', 'value']) {
          const wrap = /** @type {HTMLElement | null} */ (r.row.querySelector(`.field[data-part="${part}"]`));
          if (!wrap) continue;
          wrap.dataset.field = `conditions[${i}].${part}`;
          wrap.querySelector('.field-error')?.setAttribute('data-testid', `error-conditions[${i}].${part}`);
        }
      });
    /** @param {RuleCondition} c */
    const addCondition = (c) => {
      const fieldSel = /** @type {HTMLSelectElement} */ (select(fieldOptions(c.field), c.field, { testid: 'rules-f-cond-field', 'aria-label': t('rules.f.field') }, t('rules.choose')));
      const opSel = /** @type {HTMLSelectElement} */ (select(RULE_OPS.map((o) => ({ value: o, label: t(OP_KEYS[o]) })), c.op || 'eq', { testid: 'rules-f-cond-op', 'aria-label': t('rules.f.op') }));
      const valueSlot = h('div', { class: 'rules-value-slot' });
      let value = valueControl(c.field, c.op || 'eq', c.value, 'rules-f-cond-value');
      valueSlot.append(value.el);
      const redraw = () => {
        const keep = value.get();
        const choices = VALUE_CHOICES[fieldSel.value];
        // A value that the new control cannot show is dropped (a channel code is no bedside value).
        const carried = choices ? splitValues(keep).filter((v) => choices.includes(v)).join(',') : keep;
        value = valueControl(fieldSel.value, opSel.value, opSel.value === 'in' ? carried : splitValues(carried)[0] || '', 'rules-f-cond-value');
        replace(valueSlot, value.el);
      };
      fieldSel.addEventListener('change', redraw);
      opSel.addEventListener('change', redraw);
      const remove = h('button', { type: 'button', class: 'icon-btn rules-cond-remove', title: t('rules.f.removeCondition'), 'aria-label': t('rules.f.removeCondition'), testid: 'rules-f-cond-remove' }, icon('x'));
      const part = (/** @type {string} */ p, /** @type {string} */ label, /** @type {HTMLElement} */ control) => {
        const el = field({ label, name: `conditions.${p}`, control });
        el.dataset.part = p;
        return el;
      };
      const row = h('div', { class: 'rules-cond-row', testid: 'rules-f-cond' }, part('field', t('rules.f.field'), fieldSel), part('op', t('rules.f.op'), opSel), part('value', t('rules.f.value'), valueSlot), remove);
      const entry = { row, field: fieldSel, op: opSel, value: () => value.get() };
      remove.addEventListener('click', () => {
        rows = rows.filter((r) => r !== entry);
        row.remove();
        renumber();
      });
      rows.push(entry);
      condBox.append(row);
      renumber();
    };
    for (const c of rule?.conditions || []) addCondition(c);
    if (!rule) addCondition({ field: '', op: 'eq', value: '' });
    const condHint = h('div', { class: 'field-hint', testid: 'rules-f-conds-hint' });
    // The error of the list as a whole sits in a field of its own, so that it is not mistaken for a condition's.
    const conditionsField = h(
      'div',
      { class: 'field-wide rules-conds-field' },
      h('div', { class: 'field', dataset: { field: 'conditions' } }, h('div', { class: 'field-label' }, t('rules.f.conditions')), condHint, h('div', { class: 'field-error', testid: 'error-conditions', hidden: true })),
      condBox,
      h('div', null, button(t('rules.f.addCondition'), { icon: 'plus', testid: 'rules-f-add-cond', onclick: () => addCondition({ field: '', op: 'eq', value: '' }) })),
    );

    // ---- conflict
    const p = rule?.params || {};
    const otherField = /** @type {HTMLSelectElement} */ (select(fieldOptions(p.otherField || 'examClass'), p.otherField || 'examClass', { testid: 'rules-f-other-field', 'aria-label': t('rules.f.field') }));
    const otherSlot = h('div', { class: 'rules-value-slot' });
    let otherValue = valueControl(otherField.value, 'eq', p.otherValue || '', 'rules-f-other-value');
    otherSlot.append(otherValue.el);
    otherField.addEventListener('change', () => {
      otherValue = valueControl(otherField.value, 'eq', '', 'rules-f-other-value');
      replace(otherSlot, otherValue.el);
    });
    const minDays = h('input', { class: 'input input-num', type: 'number', min: String(MIN_DAYS_RANGE[0]), max: String(MIN_DAYS_RANGE[1]), step: '1', inputmode: 'numeric', value: String(p.minDays ?? 7), testid: 'rules-f-min-days' });
    const conflictBox = h(
      'fieldset',
      { class: 'rules-params-box', testid: 'rules-f-conflict' },
      h('legend', null, t('rules.f.conflictTitle')),
      h(
        'div',
        { class: 'form-grid' },
        field({ label: t('rules.f.otherField'), name: 'params.otherField', control: h('div', { class: 'rules-other' }, otherField, otherSlot), required: true }),
        field({ label: t('rules.f.minDays'), name: 'params.minDays', control: minDays, suffix: t('rules.f.days'), required: true }),
      ),
    );

    // ---- merge
    const sameChosen = new Set(p.sameFields || []);
    const sameFields = h(
      'div',
      { class: 'check-chips', role: 'group', 'aria-label': t('rules.f.sameFields'), testid: 'rules-f-same-fields' },
      fields.map((f) => h('label', { class: 'check-chip' }, h('input', { type: 'checkbox', value: f, checked: sameChosen.has(f), testid: `rules-f-same-${f}` }), h('span', null, fieldLabel(f, t)))),
    );
    const maxDays = h('input', { class: 'input input-num', type: 'number', min: String(MAX_DAYS_RANGE[0]), max: String(MAX_DAYS_RANGE[1]), step: '1', inputmode: 'numeric', value: String(p.maxDays ?? 3), testid: 'rules-f-max-days' });
    const sameItem = h('input', { type: 'checkbox', checked: !!p.sameItem, testid: 'rules-f-same-item' });
    const mergeBox = h(
      'fieldset',
      { class: 'rules-params-box', testid: 'rules-f-merge' },
      h('legend', null, t('rules.f.mergeTitle')),
      h(
        'div',
        { class: 'form-grid' },
        field({ label: t('rules.f.sameFields'), name: 'params.sameFields', control: sameFields, wide: true }),
        field({ label: t('rules.f.maxDays'), name: 'params.maxDays', control: maxDays, suffix: t('rules.f.days'), required: true }),
        field({ label: t('rules.f.sameItem'), name: 'params.sameItem', control: h('label', { class: 'switch-label' }, sameItem, h('span', null, t('rules.f.sameItem'))) }),
      ),
    );

    const syncKind = () => {
      kindHint.textContent = t(HINT_KEYS[kind.value] || 'rules.kindHint.restrict');
      messageHint.textContent = t(MESSAGE_HINT_KEYS[kind.value] || 'rules.f.messageHint.restrict');
      conflictBox.hidden = kind.value !== 'conflict';
      mergeBox.hidden = kind.value !== 'merge';
      condHint.textContent = kind.value === 'merge' ? t('rules.f.conditionsMergeHint') : '';
      condHint.hidden = kind.value !== 'merge';
    };
    kind.addEventListener('change', syncKind);
    syncKind();

    formModal({
      title: rule ? t('rules.editTitle') : t('rules.newTitle'),
      size: 'xl',
      testid: 'rules-dialog',
      body: h(
        'div',
        { class: 'form-grid rules-form' },
        field({ label: t('rules.f.name'), name: 'name', control: name, required: true }),
        field({ label: t('rules.f.kind'), name: 'kind', control: kind, required: true, hint: kindHint }),
        conditionsField,
        h('div', { class: 'field-wide' }, conflictBox, mergeBox),
        field({ label: t('rules.f.message'), name: 'message', control: message, required: true, wide: true, hint: messageHint }),
        field({ label: t('rules.f.active'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('rules.f.activeLabel'))) }),
      ),
      onSubmit: async (form) => {
        const { body, problems } = ruleBody({
          name: /** @type {HTMLInputElement} */ (name).value,
          kind: kind.value,
          conditions: rows.map((r) => ({ field: r.field.value, op: r.op.value, value: r.value() })),
          otherField: otherField.value,
          otherValue: otherValue.get(),
          minDays: /** @type {HTMLInputElement} */ (minDays).value,
          sameFields: [...sameFields.querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value),
          maxDays: /** @type {HTMLInputElement} */ (maxDays).value,
          sameItem: /** @type {HTMLInputElement} */ (sameItem).checked,
          message: /** @type {HTMLTextAreaElement} */ (message).value,
          active: /** @type {HTMLInputElement} */ (active).checked,
        });
        if (!body) {
          showProblems(form, problems);
          return false;
        }
        const saved = rule ? await api.put(`${BASE}/${rule.id}`, body) : await api.post(BASE, body);
        toast(t('rules.saved', { name: saved.name }), 'success');
        load();
      },
    });
  }

  load();
}

