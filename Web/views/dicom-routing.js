// The routing tabs of the DICOM 节点 page (DCM-02): 路由规则 (#/dicom/routing, dicom.nodes.manage) lists the rules that
// forward arriving images to other nodes and edits them; 发送队列 (#/dicom/outbox?status=dead&destination=PACS2,
// monitor.view) shows each destination's health and the outbox, re-read every 5 s while visible, with 重发 / 全部重发
// for node administrators. views/dicom.js draws the page around them.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { formatDateTime } from '../lib/format.js';
import { pageCount } from '../lib/paging.js';
import {
  COMMON_FIELDS, OTHER_FIELD, FIELD_EXAMPLES, OUTBOX_STATUSES, fieldLabel, conditionsText, checkRuleForm, conditionToInput,
  outboxStatusLabel, outboxStatusTone, canRetry, destinationStateLabel, destinationStateTone, shortUID,
} from '../lib/routing.js';
import {
  button, badge, dataTable, pager, searchToolbar, field, select, formModal, confirmDialog, toast, toastError, showProblems,
  showFormError, errorText,
} from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').ApplicationEntity} ApplicationEntity */
/** @typedef {import('../types/models').RoutingRule} RoutingRule */
/** @typedef {import('../types/models').OutboxItem} OutboxItem */
/** @typedef {import('../types/models').DestinationHealth} DestinationHealth */
/** @typedef {import('../lib/routing.js').ConditionInput} ConditionInput */
/** @typedef {{actions: import('../lib/dom.js').Child, body: import('../lib/dom.js').Child, start: () => void}} TabView */

/** The send queue is re-read this often while the page is visible. */
export const REFRESH_MS = 5000;

const RULES = '/api/routing/rules';
const OUTBOX = '/api/routing/outbox';
const NODES = '/api/dicom/application-entities';

/** "14:05:09" of now, for the refresh note. */
const clock = () => formatDateTime(new Date().toISOString(), { seconds: true }).slice(11);

/** @param {string} text */
const muted = (text) => h('span', { class: 'muted' }, text);

// ---------------------------------------------------------------- 路由规则

/**
 * @param {ViewContext} ctx
 * @returns {TabView}
 */
export function routingTab(ctx) {
  const { api } = ctx;

  /** The known nodes (destinations are chosen from them); null when they could not be read. */
  /** @type {ApplicationEntity[] | null} */
  let nodes = [];
  /** @type {unknown} */
  let nodesError = null;
  async function loadNodes() {
    try {
      const answer = await api.request('GET', NODES, { query: { pageSize: 200 }, signal: ctx.signal });
      nodes = answer.items || [];
      nodesError = null;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      nodes = null;
      nodesError = error;
    }
  }
  /** @param {string} ae */
  const nodeOf = (ae) => (nodes || []).find((n) => n.aeTitle === ae) || null;

  /** @param {RoutingRule} r */
  const destinationsCell = (r) =>
    h(
      'div',
      { class: 'chips chips-wrap', testid: 'rule-destinations' },
      r.destinations.map((ae) => {
        const node = nodeOf(ae);
        // Only say "not registered" when the node list was read; a failed read says nothing about the node.
        if (!node && nodes) return badge(`${ae} · ${t('routing.rule.nodeUnknown')}`, 'red', { class: 'badge badge-red ae-badge', title: t('routing.rule.nodeUnknownHint') });
        if (node && !node.active) return badge(`${ae} · ${t('routing.rule.nodeInactive')}`, 'gray', { class: 'badge badge-gray ae-badge', title: node.description || undefined });
        return badge(ae, 'blue', { class: 'badge badge-blue ae-badge', title: node?.description || undefined });
      }),
    );

  /** @type {import('../components/ui.js').Column<RoutingRule>[]} */
  const columns = [
    {
      title: t('routing.rule.column'),
      render: (r) => h('span', { class: 'stack-cell rule-name-cell' }, h('span', { class: 'strong', testid: 'rule-name' }, r.name), r.description ? h('span', { class: 'sub' }, r.description) : null),
    },
    {
      title: t('routing.rule.conditions'),
      className: 'cond-col',
      render: (r) => {
        const text = conditionsText(t, r.conditions);
        return h('span', { class: ['cond-text', r.conditions.length ? '' : 'muted'], testid: 'rule-conditions', title: text }, text);
      },
    },
    { title: t('routing.rule.destinations'), render: destinationsCell, className: 'dest-col' },
    { title: t('common.status'), render: (r) => badge(r.active ? t('status.active') : t('status.inactive'), r.active ? 'green' : 'gray', { testid: 'rule-state' }), className: 'nowrap' },
    { title: t('common.updatedAt'), render: (r) => formatDateTime(r.updatedAt), className: 'nowrap' },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) =>
        h(
          'div',
          { class: 'row-actions' },
          button(t('common.edit'), { variant: 'link', testid: 'rule-edit', onclick: () => openForm(r) }),
          button(t('common.delete'), { variant: 'link-danger', testid: 'rule-delete', onclick: () => remove(r) }),
        ),
    },
  ];
  const table = dataTable({
    columns,
    testid: 'rules-table',
    rowProps: (r) => ({ testid: `rule-row-${r.id}`, dataset: { id: String(r.id), name: r.name }, class: r.active ? undefined : 'row-inactive' }),
    empty: () => ({ title: t('routing.rule.empty'), text: t('routing.rule.emptyHint') }),
  });
  const count = h('span', { class: 'pager-total', testid: 'rules-count' });

  async function load() {
    table.setLoading();
    try {
      const [answer] = await Promise.all([api.request('GET', RULES, { signal: ctx.signal }), loadNodes()]);
      /** @type {RoutingRule[]} */
      const rules = answer.items || [];
      table.setRows(rules);
      count.textContent = t('routing.rule.count', { n: rules.length });
    } catch (error) {
      if (ctx.signal.aborted) return;
      table.setError(error, load);
      count.textContent = '';
    }
  }

  // ------------------------------------------------------------ create / edit

  /** @param {RoutingRule | null} rule */
  async function openForm(rule) {
    await loadNodes(); // nodes added in another tab since the list was read
    if (ctx.signal.aborted) return;

    const name = h('input', { class: 'input', name: 'name', maxlength: '64', value: rule?.name || '', placeholder: t('routing.rule.namePlaceholder'), testid: 'rule-form-name' });
    const description = h('input', { class: 'input', name: 'description', maxlength: '256', value: rule?.description || '', placeholder: t('routing.rule.descriptionPlaceholder'), testid: 'rule-form-description' });
    const active = h('input', { type: 'checkbox', name: 'active', checked: rule ? rule.active : true, testid: 'rule-form-active' });

    // -------- conditions: one row each, renumbered after a removal so that the server's `conditions[n].…` find them
    /** @type {{el: HTMLElement, read: () => ConditionInput, number: (n: number) => void, fixInvalid: () => void}[]} */
    const rows = [];
    const list = h('div', { class: 'cond-rows', testid: 'rule-form-conditions' });
    const header = h('div', { class: 'cond-row cond-header', 'aria-hidden': 'true' }, h('span', null, t('routing.rule.attribute')), h('span', null, t('routing.rule.value')), h('span'), h('span'));
    const none = h('div', { class: 'cond-none', testid: 'rule-form-no-conditions' }, icon('info'), h('span', null, t('routing.rule.noConditions')));
    const renumber = () => {
      rows.forEach((r, n) => r.number(n));
      header.hidden = rows.length === 0;
      none.hidden = rows.length > 0;
    };

    /** @param {ConditionInput} init */
    function addRow(init) {
      const fieldSelect = select(
        [...COMMON_FIELDS.map((f) => ({ value: f, label: fieldLabel(t, f) })), { value: OTHER_FIELD, label: t('routing.field.other') }],
        init.field,
        { class: 'input', testid: 'rule-cond-field', 'aria-label': t('routing.rule.attribute') },
      );
      const other = h('input', { class: 'input mono', value: init.other || '', placeholder: t('routing.rule.otherPlaceholder'), spellcheck: 'false', autocomplete: 'off', testid: 'rule-cond-other', 'aria-label': t('routing.field.other') });
      const value = h('input', { class: 'input mono', value: init.value, spellcheck: 'false', autocomplete: 'off', testid: 'rule-cond-value', 'aria-label': t('routing.rule.value') });
      const negate = h('input', { type: 'checkbox', checked: !!init.negate, testid: 'rule-cond-negate' });
      const controls = h('div', { class: 'cond-attr-controls' }, fieldSelect, other);
      const fieldError = h('div', { class: 'field-error', hidden: true });
      const valueError = h('div', { class: 'field-error', hidden: true });
      const attrCell = h('div', { class: 'field cond-cell' }, controls, fieldError);
      const valueCell = h('div', { class: 'field cond-cell' }, value, valueError);
      const sync = () => {
        const isOther = fieldSelect.value === OTHER_FIELD;
        other.hidden = !isOther;
        controls.classList.toggle('with-other', isOther);
        const example = FIELD_EXAMPLES[fieldSelect.value];
        value.placeholder = example ? t('routing.rule.valuePlaceholder', { example }) : t('routing.rule.value');
      };
      fieldSelect.addEventListener('change', () => {
        sync();
        if (fieldSelect.value === OTHER_FIELD) other.focus();
      });
      sync();
      const removeButton = h('button', { type: 'button', class: 'icon-btn cond-remove', title: t('routing.rule.removeCondition'), 'aria-label': t('routing.rule.removeCondition'), testid: 'rule-cond-remove' }, icon('x'));
      const el = h(
        'div',
        { class: 'cond-row' },
        attrCell,
        valueCell,
        h('label', { class: 'cond-negate', title: t('routing.rule.negateHint') }, negate, h('span', null, t('routing.rule.negate'))),
        removeButton,
      );
      const row = {
        el,
        read: () => ({ field: fieldSelect.value, other: other.value, value: value.value, negate: negate.checked }),
        /** @param {number} n */
        number: (n) => {
          el.dataset.testid = `rule-cond-${n}`;
          attrCell.dataset.field = `conditions[${n}].field`;
          valueCell.dataset.field = `conditions[${n}].value`;
          fieldError.dataset.testid = `error-conditions[${n}].field`;
          valueError.dataset.testid = `error-conditions[${n}].value`;
        },
        // An unknown attribute is what was typed under 其他属性: mark that box rather than the select.
        fixInvalid: () => {
          if (fieldSelect.getAttribute('aria-invalid') === 'true' && !other.hidden) {
            fieldSelect.removeAttribute('aria-invalid');
            other.setAttribute('aria-invalid', 'true');
          }
        },
      };
      removeButton.addEventListener('click', () => {
        rows.splice(rows.indexOf(row), 1);
        el.remove();
        renumber();
        addButton.focus();
      });
      rows.push(row);
      list.append(el);
      renumber();
      return row;
    }
    const addButton = button(t('routing.rule.addCondition'), { icon: 'plus', class: 'btn btn-default btn-sm', testid: 'rule-cond-add' });
    addButton.addEventListener('click', () => {
      const row = addRow({ field: 'Modality', value: '' });
      /** @type {HTMLElement | null} */ (row.el.querySelector('select'))?.focus();
    });
    for (const c of rule ? rule.conditions : []) addRow(conditionToInput(c));
    renumber();

    // -------- destinations: the known nodes, plus any the rule names that are no longer registered
    const chosen = new Set(rule ? rule.destinations : []);
    /** @type {{ae: string, node: ApplicationEntity | null}[]} */
    const options = [...(nodes || []).map((n) => ({ ae: n.aeTitle, node: n })), ...[...chosen].filter((ae) => !nodeOf(ae)).map((ae) => ({ ae, node: null }))];
    const destinations =
      options.length === 0
        ? h('div', { class: 'dest-none', testid: 'rule-form-no-nodes' }, icon('alert'), h('span', null, nodes ? t('routing.rule.noNodes') : t('routing.rule.nodesUnavailable', { message: errorText(nodesError) })))
        : h(
            'div',
            { class: 'dest-options', role: 'group', 'aria-label': t('routing.rule.destinations'), testid: 'rule-form-destinations' },
            options.map(({ ae, node }) =>
              h(
                'label',
                { class: ['dest-option', node ? '' : 'dest-option-unknown'], title: node ? undefined : t('routing.rule.nodeUnknownHint') },
                h('input', { type: 'checkbox', value: ae, checked: chosen.has(ae), testid: `rule-dest-${ae}` }),
                h(
                  'span',
                  { class: 'dest-option-text' },
                  h('span', { class: 'dest-option-title' }, h('code', { class: 'ae strong' }, ae), node && !node.active ? badge(t('routing.rule.nodeInactive'), 'gray') : null, node ? null : badge(t('routing.rule.nodeUnknown'), 'red')),
                  node && node.description ? h('span', { class: 'sub' }, node.description) : null,
                ),
              ),
            ),
          );

    const body = h(
      'div',
      { class: 'form-grid' },
      field({ label: t('routing.rule.name'), name: 'name', control: name, required: true }),
      field({ label: t('routing.rule.description'), name: 'description', control: description }),
      field({
        label: t('routing.rule.conditions'),
        name: 'conditions',
        wide: true,
        control: h('div', { class: 'cond-editor' }, header, list, none, h('div', { class: 'cond-add' }, addButton)),
        hint: h('span', { class: 'cond-hints' }, h('span', { testid: 'rule-value-hint' }, t('routing.rule.valueHint')), h('span', null, t('routing.rule.conditionsHint'))),
      }),
      field({ label: t('routing.rule.destinations'), name: 'destinations', control: destinations, required: true, hint: t('routing.rule.destinationsHint'), wide: true }),
      field({ label: t('common.status'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('routing.rule.activeLabel'))), hint: t('routing.rule.activeHint'), wide: true }),
    );

    /** @param {HTMLFormElement} form */
    const afterErrors = (form) => {
      for (const r of rows) r.fixInvalid();
      /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'))?.focus();
    };

    formModal({
      title: rule ? t('routing.rule.edit', { name: rule.name }) : t('routing.rule.add'),
      size: 'lg',
      testid: 'rule-form',
      extraFooter: rule && rule.updatedAt ? h('span', { class: 'footer-note' }, t('dicom.node.updatedAt', { at: formatDateTime(rule.updatedAt) })) : null,
      body,
      onSubmit: async (form) => {
        const picked = [...form.querySelectorAll('.dest-options input[type=checkbox]')].filter((b) => /** @type {HTMLInputElement} */ (b).checked).map((b) => /** @type {HTMLInputElement} */ (b).value);
        const { payload, problems } = checkRuleForm({ name: name.value, description: description.value, active: active.checked, conditions: rows.map((r) => r.read()), destinations: picked });
        if (showProblems(form, problems) || !payload) {
          afterErrors(form);
          return false;
        }
        try {
          if (rule) await api.put(`${RULES}/${rule.id}`, payload);
          else await api.post(RULES, payload);
        } catch (error) {
          // The server's field messages (conditions[1].field: 未知的属性：Modalty …) go under the right boxes.
          showFormError(form, error);
          afterErrors(form);
          return false;
        }
        toast(rule ? t('common.saved') : t('routing.rule.created', { name: payload.name }), 'success');
        load();
      },
    });
  }

  /** @param {RoutingRule} r */
  async function remove(r) {
    if (!(await confirmDialog({ title: t('routing.rule.deleteTitle'), message: t('routing.rule.deleteConfirm', { name: r.name }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`${RULES}/${r.id}`);
      toast(t('common.deleted'), 'success');
      load();
    } catch (error) {
      toastError(error);
    }
  }

  return {
    actions: button(t('routing.rule.add'), { variant: 'primary', icon: 'plus', testid: 'rule-add', onclick: () => openForm(null) }),
    body: [h('div', { class: 'toolbar toolbar-center routing-intro' }, h('div', { class: 'intro-text' }, icon('info'), h('span', null, t('routing.intro'))), count), table.el],
    start: () => {
      load();
    },
  };
}

// ---------------------------------------------------------------- 发送队列

/**
 * @param {ViewContext} ctx
 * @returns {TabView}
 */
export function outboxTab(ctx) {
  const { api } = ctx;
  const canManage = ctx.can('dicom.nodes.manage');

  const statusSelect = select(
    OUTBOX_STATUSES.map((s) => ({ value: s, label: outboxStatusLabel(t, s) })),
    ctx.query.get('status') || '',
    { testid: 'outbox-status', 'aria-label': t('common.status') },
    t('common.allStatus'),
  );
  const destinationSelect = h('select', { class: 'input input-ae', testid: 'outbox-destination', 'aria-label': t('routing.out.destination') });
  /** @param {string[]} names @param {string} selected */
  const fillDestinations = (names, selected) => {
    const all = [...new Set([...names, selected].filter(Boolean))].sort();
    // Redrawn only when the list changed: a timed refresh must not close the list while someone is choosing.
    const key = all.join('\n');
    if (destinationSelect.dataset.options === key && destinationSelect.options.length) return;
    destinationSelect.dataset.options = key;
    replace(destinationSelect, h('option', { value: '' }, t('routing.out.allDestinations')), all.map((ae) => h('option', { value: ae }, ae)));
    destinationSelect.value = selected;
  };
  fillDestinations([], ctx.query.get('destination') || '');

  /** @type {{status: string, destination: string}} */
  let applied = { status: '', destination: '' };
  let page = 1;
  let pageSize = 20;

  // -------- per-destination health cards
  const cards = h('div', { class: 'dest-cards', testid: 'outbox-destinations' });
  const cardsSection = h('section', { class: 'dest-section', hidden: true, 'aria-label': t('routing.dest.heading') }, h('h2', { class: 'dest-heading' }, t('routing.dest.heading')), cards);

  /** @param {string} label @param {number} n @param {string} [cls] */
  const countBox = (label, n, cls) => h('div', { class: ['dest-count', cls && n > 0 ? cls : ''] }, h('span', { class: 'dest-count-num' }, String(n)), h('span', { class: 'dest-count-label' }, label));

  /** @param {DestinationHealth} d */
  const card = (d) =>
    h(
      'article',
      { class: ['dest-card', `dest-${d.state}`], testid: `dest-card-${d.destination}`, dataset: { state: d.state } },
      h('div', { class: 'dest-card-head' }, h('code', { class: 'ae strong' }, d.destination), badge(destinationStateLabel(t, d.state), destinationStateTone(d.state), { testid: 'dest-state' })),
      h(
        'div',
        { class: 'dest-counts' },
        countBox(t('routing.dest.pending'), d.pending, 'is-pending'),
        countBox(t('routing.dest.dead'), d.dead, 'is-dead'),
        countBox(t('routing.dest.delivered'), d.delivered),
      ),
      h('div', { class: 'dest-meta' }, h('span', { class: 'muted' }, t('routing.dest.lastDelivered')), h('span', null, d.lastDeliveredAt ? formatDateTime(d.lastDeliveredAt, { seconds: true }) : t('routing.dest.never'))),
      d.lastError
        ? h('div', { class: 'dest-error', title: d.lastError }, icon('alert'), h('span', { class: 'dest-error-text' }, h('span', { class: 'muted' }, `${t('routing.dest.lastError')}：`), d.lastError))
        : null,
      h(
        'div',
        { class: 'dest-actions' },
        button(t('routing.dest.show'), { variant: 'link', class: 'btn btn-link btn-sm', testid: 'dest-show', onclick: () => show(d.destination) }),
        canManage && d.dead > 0 ? button(t('routing.dest.retryAll'), { icon: 'refresh', class: 'btn btn-danger btn-sm', testid: 'dest-retry-all', onclick: () => retryDead(d) }) : null,
      ),
    );

  // -------- the outbox table
  /** @param {string} uid */
  const uidCell = (uid) => h('span', { class: 'mono uid', title: uid }, shortUID(uid, 20));
  /** A time today as 16:53:14, another day in full (the next attempt is minutes away, or up to an hour). */
  /** @param {string} iso */
  const soon = (iso) => {
    const full = formatDateTime(iso, { seconds: true });
    return full.slice(0, 10) === formatDateTime(new Date().toISOString()).slice(0, 10) ? h('span', { title: full }, full.slice(11)) : full;
  };
  /** @type {import('../components/ui.js').Column<OutboxItem>[]} */
  const columns = [
    { title: t('routing.out.createdAt'), render: (r) => formatDateTime(r.createdAt, { seconds: true }), className: 'nowrap' },
    { title: t('routing.out.destination'), render: (r) => h('code', { class: 'ae' }, r.destination) },
    { title: t('routing.out.study'), render: (r) => uidCell(r.studyUID) },
    { title: t('routing.out.sop'), render: (r) => uidCell(r.sopInstanceUID) },
    { title: t('common.status'), render: (r) => badge(outboxStatusLabel(t, r.status), outboxStatusTone(r), { testid: 'outbox-status-badge' }), className: 'nowrap' },
    { title: t('routing.out.attempts'), render: (r) => String(r.attempts), className: 'num' },
    { title: t('routing.out.nextAttempt'), render: (r) => (r.status === 'pending' ? soon(r.nextAttemptAt) : muted('—')), className: 'nowrap' },
    { title: t('routing.out.lastError'), render: (r) => (r.lastError ? h('span', { class: 'outbox-error', title: r.lastError }, r.lastError) : muted('—')), className: 'error-col' },
  ];
  if (canManage) {
    columns.push({
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) => (canRetry(r) ? button(t('routing.out.retry'), { variant: 'link', testid: 'outbox-retry', onclick: () => retryOne(r) }) : null),
    });
  }
  const table = dataTable({
    columns,
    testid: 'outbox-table',
    rowProps: (r) => ({ testid: `outbox-row-${r.id}`, dataset: { status: r.status }, class: r.status === 'dead' ? 'row-failure' : undefined }),
    empty: () => (applied.status || applied.destination ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('routing.out.empty'), text: t('routing.out.emptyHint') }),
  });
  const pg = pager((p, size) => {
    page = p;
    pageSize = size;
    load(true);
  });
  const note = h('span', { class: 'refresh-note', testid: 'outbox-updated', role: 'status' });

  let seq = 0;
  let loaded = false;
  /**
   * @param {boolean} visible show the table's loading state (a new query, paging); timed refreshes are silent
   * @returns {Promise<void>}
   */
  async function load(visible) {
    if (ctx.signal.aborted) return;
    const mine = ++seq;
    if (visible) table.setLoading();
    try {
      const [answer, health] = await Promise.all([
        api.request('GET', OUTBOX, { query: { status: applied.status, destination: applied.destination, page, pageSize }, signal: ctx.signal }),
        api.request('GET', '/api/routing/destinations', { signal: ctx.signal }),
      ]);
      if (mine !== seq) return;
      // A page that emptied (everything on it was delivered and filtered away): step back to the last real page.
      if (answer.items.length === 0 && answer.total > 0 && page > 1) {
        page = pageCount(answer.total, pageSize);
        return load(visible);
      }
      table.setRows(answer.items);
      pg.update({ total: answer.total, page: answer.page || page, pageSize: answer.pageSize || pageSize });
      /** @type {DestinationHealth[]} */
      const destinations = health.items || [];
      replace(cards, destinations.map(card));
      cardsSection.hidden = destinations.length === 0;
      fillDestinations(destinations.map((d) => d.destination), destinationSelect.value);
      loaded = true;
      note.className = 'refresh-note';
      note.textContent = t('dicom.assoc.autoRefresh', { time: clock() });
    } catch (error) {
      if (ctx.signal.aborted || mine !== seq) return;
      if (visible || !loaded) {
        table.setError(error, () => load(true));
        pg.update({ total: 0, page: 1, pageSize });
      }
      // A failed timed refresh keeps the last list and says so; the next tick tries again.
      note.className = 'refresh-note refresh-failed';
      note.textContent = t('dicom.assoc.refreshFailed', { time: clock(), message: errorText(error) });
    }
  }

  const apply = () => {
    applied = { status: statusSelect.value, destination: destinationSelect.value };
    page = 1;
    load(true);
  };
  /** @param {string} ae */
  const show = (ae) => {
    destinationSelect.value = ae;
    apply();
  };
  statusSelect.addEventListener('change', apply);
  destinationSelect.addEventListener('change', apply);

  /** @param {OutboxItem} r */
  async function retryOne(r) {
    try {
      await api.post(`${OUTBOX}/${r.id}/retry`);
      toast(t('routing.out.retried'), 'success');
      load(false);
    } catch (error) {
      toastError(error);
    }
  }

  /** @param {DestinationHealth} d */
  async function retryDead(d) {
    if (!(await confirmDialog({ title: t('routing.dest.retryAllTitle'), message: t('routing.dest.retryAllConfirm', { ae: d.destination, n: d.dead }), confirmText: t('routing.dest.retryAll') }))) return;
    try {
      const answer = await api.request('POST', `${OUTBOX}/retry-dead`, { query: { destination: d.destination } });
      toast(t('routing.dest.requeued', { n: answer && typeof answer.requeued === 'number' ? answer.requeued : d.dead }), 'success');
      load(false);
    } catch (error) {
      toastError(error);
    }
  }

  const toolbar = searchToolbar({
    filters: [statusSelect, destinationSelect, note],
    queryTestid: 'outbox-query',
    onSearch: apply,
    onReset: () => {
      statusSelect.value = '';
      destinationSelect.value = '';
    },
  });

  return {
    actions: null,
    body: [cardsSection, toolbar, table.el, pg.el],
    start: () => {
      apply();
      // Every 5 s while this tab is on screen; at once when the browser tab comes back into view.
      const timer = setInterval(() => {
        if (document.visibilityState === 'visible') load(false);
      }, REFRESH_MS);
      const onVisibility = () => {
        if (document.visibilityState === 'visible') load(false);
      };
      document.addEventListener('visibilitychange', onVisibility);
      ctx.signal.addEventListener('abort', () => {
        clearInterval(timer);
        document.removeEventListener('visibilitychange', onVisibility);
      });
    },
  };
}
