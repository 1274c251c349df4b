// The booking administration pages (issue #7 item 11):
// - 号源管理 (#/sched-slots, scheduling.manage; REG-04, REG-06, REG-12, REG-14, REG-18): queues (list, 新建队列, 编辑:
//   name, department, station AE, devices, active), per queue its slot templates grouped by kind with add (one slot, or
//   a run of slots: one template per slot) and delete; quotas are caps (上限) or reservations (预留, released N hours
//   before the slot); seasonal cycles (GET /api/scheduling/cycles, delete refused with the server's message while
//   templates use one), holidays of the coming year (set, delete), and 重新生成号源;
// - 检查号规则 (#/sched-numbers, scheduling.manage; REG-09): the department's exam-number rules with the example the
//   server makes, the editor (the 16-character limit is the server's and shows at 前缀), and delete (refused with the
//   server's message once the rule has issued numbers);
// - 预约黑名单 (#/sched-blacklist; REG-17): patients blacklisted for no-shows, and 解除 for scheduling.manage;
// - 预约统计 (#/sched-stats): bookings, check-ins, no-shows and cancellations by channel for a date range, 导出 Excel.
// Reads need registration.manage on the server (GET /api/scheduling/queues … statistics), writes scheduling.manage.
// "Today" is the hospital's (GET /api/scheduling/settings).
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { barChart } from '../components/bar-chart.js';
import {
  pageHeader, button, badge, dataTable, select, formModal, confirmDialog, toast, toastError, errorText, emptyState, field, showProblems,
  showFormError, setFormAlert, clearErrors,
} from '../components/ui.js';
import {
  loadHospitalClock, monthRange, addDays, groupTemplates, templateBody, runBodies, expandRun, isMonthDay, isIsoDate, examNumberPreview,
  examRuleBody, statsTotals, statsChartRows, checkStatsRange, statsExportUrl, displayName, QUOTA_DIMENSIONS, CHANNEL_GROUPS, RELEASE_HOURS_MAX,
  PATIENT_SOURCES, DATE_FORMATS, RESETS, EXAM_NUMBER_MAX, WEEKDAY_KEYS, SOURCE_KEYS, DIMENSION_KEYS, CHANNEL_GROUP_KEYS, KIND_KEYS, RESET_KEYS,
  CHANNEL_KEYS,
} from '../lib/scheduling.js';
import { sourcesText } from './scheduling-calendar.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/scheduling.js').Queue} Queue */
/** @typedef {import('../lib/scheduling.js').Template} Template */
/** @typedef {import('../lib/scheduling.js').TemplateKind} TemplateKind */
/** @typedef {import('../lib/scheduling.js').ExamNumberRule} ExamNumberRule */
/** @typedef {import('../lib/scheduling.js').BlacklistedPatient} BlacklistedPatient */
/** @typedef {import('../lib/scheduling.js').ChannelStats} ChannelStats */

const MODALITY_OPTIONS = ['CT', 'MR', 'DR', 'DX', 'CR', 'US', 'MG', 'RF', 'XA', 'NM', 'PT', 'ES'];
/** Times as 24-hour text (HH:MM): a time input would show AM/PM in a browser set to English. */
const CLOCK = { class: 'input mono input-narrow', placeholder: 'HH:MM', maxlength: 5, inputmode: 'numeric', autocomplete: 'off' };

/** @typedef {{id: number, name: string, startMD: string, endMD: string, templates?: number}} Cycle */
/** @typedef {{date: string, name: string}} Holiday */

/** @param {Cycle} c */
const cycleLabel = (c) => (c.name ? t('sched.cycle.label', { name: c.name, from: c.startMD, to: c.endMD }) : t('sched.cycle.unnamed', { id: c.id }));

/**
 * A quota as the pages say it: 检查类型「双胎」≤ 1 (a cap), 渠道分组「自助渠道」预留 2（检查前 24 小时释放） (a reservation).
 * @param {import('../lib/scheduling.js').Quota} q
 */
export function quotaText(q) {
  const dim = t(DIMENSION_KEYS[q.dimension] || q.dimension);
  const value = quotaValueText(q);
  return q.reserve ? t('sched.quota.reserveText', { dim, value, max: q.max, hours: q.releaseHoursBefore ?? 0 }) : t('sched.quota.capText', { dim, value, max: q.max });
}

/**
 * The value of a quota in words: 门诊 for source outpatient, 自助渠道 for channelGroup online, else as it is.
 * @param {{dimension: string, value: string}} q
 */
export function quotaValueText(q) {
  if (q.dimension === 'source') return t(SOURCE_KEYS[q.value] || q.value);
  if (q.dimension === 'channelGroup') return t(CHANNEL_GROUP_KEYS[q.value] || q.value);
  return q.value;
}

/** A notice for a user who may change the rules but not read them (the server wants registration.manage to read). */
function readNotice(/** @type {ViewContext} */ ctx) {
  return ctx.can('registration.manage') ? null : h('div', { class: 'notice notice-warn sched-notice', testid: 'sched-read-notice' }, icon('alert'), h('span', null, t('sched.readNeedsRegistration')));
}

/**
 * Text input.
 * @param {string} name @param {Record<string, any>} [props]
 */
const input = (name, props = {}) => h('input', { class: 'input', name, testid: `sched-f-${name}`, ...props });

// ================================================================ 号源管理

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderSlotAdmin(main, ctx) {
  const { api, signal } = ctx;
  const clock = await loadHospitalClock(api);
  /** @type {Queue[]} */
  let queues = [];
  let selected = Number(ctx.query.get('queue')) || 0;
  /** @type {Template[]} */
  let templates = [];
  /** @type {Cycle[]} */
  let cycles = [];

  const queueTable = dataTable({
    testid: 'sched-queues',
    columns: /** @type {import('../components/ui.js').Column<Queue>[]} */ ([
      { title: t('sched.q.code'), render: (q) => h('span', { class: 'mono strong', testid: 'sched-queue-code' }, q.code) },
      { title: t('sched.q.name'), render: (q) => q.name },
      { title: t('sched.q.modality'), render: (q) => q.modality },
      { title: t('sched.q.department'), render: (q) => q.department || '—' },
      { title: t('sched.q.station'), render: (q) => h('span', { class: 'mono' }, q.stationAETitle || '—') },
      { title: t('sched.q.devices'), render: (q) => h('span', { testid: 'sched-queue-devices' }, q.devices || '—') },
      { title: t('sched.q.state'), render: (q) => (q.active ? badge(t('sched.q.active'), 'green') : badge(t('sched.q.inactive'), 'gray', { testid: 'sched-queue-inactive' })) },
      {
        title: t('common.actions'),
        render: (q) =>
          button(t('common.edit'), {
            variant: 'link',
            testid: 'sched-queue-edit',
            onclick: (/** @type {Event} */ e) => {
              e.stopPropagation();
              queueDialog(q);
            },
            onkeydown: (/** @type {Event} */ e) => e.stopPropagation(),
          }),
      },
    ]),
    rowProps: (q) => ({
      class: ['sched-queue-row', q.id === selected ? 'is-selected' : ''],
      testid: 'sched-queue-row',
      dataset: { code: q.code, id: String(q.id) },
      tabindex: '0',
      'aria-selected': String(q.id === selected),
      onclick: () => choose(q.id),
      onkeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(q.id); } },
    }),
    empty: () => ({ title: t('sched.cal.noQueues'), text: t('sched.q.emptyText') }),
  });

  const templatePanel = h('div', { class: 'card sched-templates', testid: 'sched-templates' });
  const cyclePanel = h('div', { class: 'sched-cycles', testid: 'sched-cycles' });
  const holidayPanel = h('div', { class: 'sched-holidays', testid: 'sched-holidays' });

  replace(
    main,
    pageHeader(
      t('nav.schedSlots'),
      t('sched.slots.desc'),
      [
        button(t('sched.cycle.new'), { icon: 'clock', testid: 'sched-new-cycle', onclick: () => cycleDialog() }),
        button(t('sched.holiday.set'), { icon: 'calendar', testid: 'sched-set-holiday', onclick: () => holidayDialog() }),
        button(t('sched.q.new'), { variant: 'primary', icon: 'plus', testid: 'sched-new-queue', onclick: () => queueDialog() }),
      ],
    ),
    readNotice(ctx),
    h('div', { class: 'notice sched-precedence', testid: 'sched-precedence' }, icon('info'), h('span', null, t('sched.precedence'))),
    h('div', { class: 'card' }, h('h2', { class: 'section-title sched-card-title' }, t('sched.q.title')), queueTable.el),
    templatePanel,
    h('div', { class: 'card sched-calendar-card' }, h('div', { class: 'sched-calendar-grid' }, cyclePanel, holidayPanel)),
  );

  async function loadQueues() {
    queueTable.setLoading();
    try {
      queues = (await api.request('GET', '/api/scheduling/queues', { signal })).items;
      if (!queues.some((q) => q.id === selected)) selected = queues[0]?.id || 0;
      queueTable.setRows(queues);
      await loadTemplates();
    } catch (error) {
      if (signal.aborted) return;
      queueTable.setError(error, loadQueues);
      replace(templatePanel);
    }
  }

  /** @param {number} id */
  function choose(id) {
    selected = id;
    history.replaceState(null, '', `#/sched-slots?queue=${id}`);
    queueTable.setRows(queues);
    loadTemplates();
  }

  async function loadTemplates() {
    const queue = queues.find((q) => q.id === selected);
    if (!queue) {
      replace(templatePanel, emptyState({ title: t('sched.q.pick'), testid: 'sched-templates-empty' }));
      await reloadCycles();
      return;
    }
    replace(templatePanel, h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
    try {
      const [tplAnswer, cycleAnswer] = await Promise.all([
        api.request('GET', `/api/scheduling/queues/${queue.id}/templates`, { signal }),
        api.request('GET', '/api/scheduling/cycles', { signal }),
      ]);
      templates = tplAnswer.items;
      cycles = cycleAnswer.items;
      renderTemplates(queue);
      renderCycles();
    } catch (error) {
      if (signal.aborted) return;
      replace(templatePanel, h('div', { class: 'table-state error', testid: 'table-error' }, icon('alert'), h('span', null, errorText(error)), button(t('common.retry'), { variant: 'link', onclick: loadTemplates })));
    }
  }

  /** @param {Queue} queue */
  function renderTemplates(queue) {
    const cycleName = (/** @type {number | null | undefined} */ id) => {
      const c = cycles.find((x) => x.id === id);
      return c ? cycleLabel(c) : t('sched.cycle.unnamed', { id: id ?? '?' });
    };
    /** @param {Template} tpl */
    const appliesTo = (tpl) => {
      if (tpl.kind === 'weekday') return t(WEEKDAY_KEYS[(tpl.weekday || 1) - 1]);
      if (tpl.kind === 'cycle') return tpl.weekday ? `${cycleName(tpl.cycleId)} · ${t(WEEKDAY_KEYS[tpl.weekday - 1])}` : cycleName(tpl.cycleId);
      if (tpl.kind === 'date') return tpl.onDate || '';
      if (tpl.kind === 'holiday') return t('sched.kind.holidayAll');
      return t('sched.kind.dailyAll');
    };
    const groups = groupTemplates(templates);
    replace(
      templatePanel,
      h(
        'div',
        { class: 'sched-templates-head' },
        h('h2', { class: 'section-title', testid: 'sched-templates-title' }, t('sched.tpl.title', { name: queue.name, code: queue.code })),
        h(
          'div',
          { class: 'header-buttons' },
          button(t('sched.tpl.add'), { icon: 'plus', testid: 'sched-add-template', onclick: () => templateDialog(queue, false) }),
          button(t('sched.tpl.addRun'), { icon: 'plus', testid: 'sched-add-run', onclick: () => templateDialog(queue, true) }),
          button(t('sched.gen.button'), { variant: 'primary', icon: 'refresh', testid: 'sched-generate', onclick: () => regenerate(queue) }),
        ),
      ),
      templates.length === 0 ? emptyState({ icon: 'calendar', title: t('sched.tpl.empty'), text: t('sched.tpl.emptyText'), testid: 'sched-templates-empty' }) : null,
      groups
        .filter((g) => g.items.length > 0)
        .map((g) =>
          h(
            'section',
            { class: 'sched-kind', testid: `sched-kind-${g.kind}` },
            h('h3', { class: 'sched-kind-title' }, t(KIND_KEYS[g.kind]), h('span', { class: 'muted sched-kind-count' }, t('sched.tpl.count', { n: g.items.length }))),
            h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'table table-compact' },
                h('thead', null, h('tr', null, [t('sched.tpl.applies'), t('sched.tpl.time'), t('sched.tpl.capacity'), t('sched.tpl.quotas'), t('sched.tpl.release'), t('sched.tpl.openDays'), t('common.actions')].map((x) => h('th', null, x)))),
                h(
                  'tbody',
                  null,
                  g.items.map((tpl) =>
                    h(
                      'tr',
                      { testid: 'sched-template-row', dataset: { kind: tpl.kind, start: tpl.startTime, id: String(tpl.id) } },
                      h('td', null, appliesTo(tpl)),
                      h('td', { class: 'mono nowrap' }, `${tpl.startTime}–${tpl.endTime}`),
                      h('td', null, tpl.capacity === 0 ? badge(t('sched.tpl.closedDay'), 'gray') : String(tpl.capacity)),
                      h('td', null, tpl.quotas.length ? h('div', { class: 'chips' }, tpl.quotas.map((q) => h('span', { class: ['sched-quota', q.reserve ? 'is-reserve' : ''], testid: 'sched-template-quota' }, quotaText(q)))) : h('span', { class: 'muted' }, '—')),
                      h('td', null, tpl.releaseRule ? t('sched.tpl.releaseText', { who: sourcesText(tpl.releaseRule.onlySources), days: tpl.releaseRule.openToAllDaysBefore }) : h('span', { class: 'muted' }, '—')),
                      h('td', null, t('sched.tpl.days', { n: tpl.openDays })),
                      h('td', null, button(t('common.delete'), { variant: 'link-danger', testid: 'sched-template-delete', onclick: () => deleteTemplate(queue, tpl, appliesTo(tpl)) })),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
    );
  }

  /** The seasonal cycles (GET /api/scheduling/cycles) with their templates and 删除. */
  function renderCycles() {
    replace(
      cyclePanel,
      h('h3', { class: 'sched-kind-title' }, t('sched.cycle.title')),
      cycles.length
        ? h(
            'ul',
            { class: 'sched-cal-list' },
            cycles.map((c) =>
              h(
                'li',
                { class: 'sched-cal-item', testid: 'sched-cycle', dataset: { id: String(c.id), name: c.name } },
                h('span', { class: 'strong', testid: 'sched-cycle-label' }, cycleLabel(c)),
                h('span', { class: 'muted' }, t('sched.cycle.templates', { n: c.templates ?? 0 })),
                button(t('common.delete'), { variant: 'link-danger', testid: 'sched-cycle-delete', onclick: () => deleteCycle(c) }),
              ),
            ),
          )
        : h('span', { class: 'muted', testid: 'sched-cycles-none' }, t('sched.cycle.none')),
      h('p', { class: 'field-hint' }, t('sched.cycle.hint')),
    );
  }

  /** @param {Cycle} c */
  async function deleteCycle(c) {
    const ok = await confirmDialog({ title: t('sched.cycle.deleteTitle'), message: t('sched.cycle.deleteText', { name: cycleLabel(c), n: c.templates ?? 0 }), confirmText: t('common.delete'), danger: true });
    if (!ok) return;
    try {
      await api.request('DELETE', `/api/scheduling/cycles/${c.id}`);
      toast(t('sched.cycle.deleted', { name: c.name }), 'success');
    } catch (error) {
      toastError(error); // 409 while templates use it: the server says so
    }
    await reloadCycles();
  }

  async function reloadCycles() {
    try {
      cycles = (await api.request('GET', '/api/scheduling/cycles', { signal })).items;
    } catch (error) {
      if (!signal.aborted) toastError(error);
    }
    renderCycles();
    const queue = queues.find((q) => q.id === selected);
    if (queue) renderTemplates(queue);
  }

  /** The holidays of the coming year (GET /api/scheduling/holidays) with 删除. */
  async function loadHolidays() {
    const from = clock.today();
    const to = addDays(from, 365);
    replace(holidayPanel, h('h3', { class: 'sched-kind-title' }, t('sched.holiday.title')), h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
    try {
      /** @type {Holiday[]} */
      const holidays = (await api.request('GET', '/api/scheduling/holidays', { query: { from, to }, signal })).items;
      replace(
        holidayPanel,
        h('h3', { class: 'sched-kind-title' }, t('sched.holiday.title')),
        holidays.length
          ? h(
              'ul',
              { class: 'sched-cal-list' },
              holidays.map((x) =>
                h(
                  'li',
                  { class: 'sched-cal-item', testid: 'sched-holiday', dataset: { date: x.date } },
                  h('span', { class: 'mono' }, x.date),
                  h('span', { class: 'strong', testid: 'sched-holiday-name' }, x.name),
                  button(t('common.delete'), { variant: 'link-danger', testid: 'sched-holiday-delete', onclick: () => deleteHoliday(x) }),
                ),
              ),
            )
          : h('span', { class: 'muted', testid: 'sched-holidays-none' }, t('sched.holiday.none', { from, to })),
        h('p', { class: 'field-hint' }, t('sched.holiday.listHint', { from, to })),
      );
    } catch (error) {
      if (signal.aborted) return;
      replace(holidayPanel, h('h3', { class: 'sched-kind-title' }, t('sched.holiday.title')), h('div', { class: 'table-state error' }, icon('alert'), h('span', null, errorText(error))));
    }
  }

  /** @param {Holiday} x */
  async function deleteHoliday(x) {
    const ok = await confirmDialog({ title: t('sched.holiday.deleteTitle'), message: t('sched.holiday.deleteText', { date: x.date, name: x.name }), confirmText: t('common.delete'), danger: true });
    if (!ok) return;
    try {
      await api.request('DELETE', `/api/scheduling/holidays/${x.date}`);
      // The day is a working day again: remake its unbooked slots in every queue.
      let made = 0;
      for (const q of queues) made += (await api.request('POST', `/api/scheduling/queues/${q.id}/generate`, { json: { from: x.date, days: 1 } })).made;
      toast(t('sched.holiday.deleted', { date: x.date, n: made }), 'success');
    } catch (error) {
      toastError(error);
    }
    await loadHolidays();
  }

  /** @param {Queue} queue @param {Template} tpl @param {string} applies */
  async function deleteTemplate(queue, tpl, applies) {
    const ok = await confirmDialog({ title: t('sched.tpl.deleteTitle'), message: t('sched.tpl.deleteText', { kind: t(KIND_KEYS[tpl.kind]), applies, time: `${tpl.startTime}–${tpl.endTime}` }), confirmText: t('common.delete'), danger: true });
    if (!ok) return;
    try {
      await api.request('DELETE', `/api/scheduling/templates/${tpl.id}`);
      toast(t('sched.tpl.deleted'), 'success');
      await loadTemplates();
    } catch (error) {
      toastError(error);
    }
    void queue;
  }

  /** @param {Queue} queue */
  async function regenerate(queue) {
    const ok = await confirmDialog({ title: t('sched.gen.title'), message: t('sched.gen.text', { name: queue.name }), confirmText: t('sched.gen.confirm') });
    if (!ok) return;
    try {
      const answer = await api.request('POST', `/api/scheduling/queues/${queue.id}/generate`, { json: {} });
      toast(t('sched.gen.done', { n: answer.made }), 'success');
    } catch (error) {
      toastError(error);
    }
  }

  /**
   * 新建队列, or 编辑 one (code and modality stay; PUT /api/scheduling/queues/{id}).
   * @param {Queue} [queue]
   */
  function queueDialog(queue) {
    const editing = Boolean(queue);
    const modality = select(MODALITY_OPTIONS.map((m) => ({ value: m, label: m })), queue?.modality || 'CT', { name: 'modality', testid: 'sched-f-modality', disabled: editing });
    const active = h('input', { type: 'checkbox', name: 'active', checked: queue ? queue.active : true, testid: 'sched-f-active' });
    formModal({
      title: editing ? t('sched.q.editTitle', { code: queue?.code || '' }) : t('sched.q.new'),
      testid: 'sched-queue-dialog',
      submitText: t('common.save'),
      body: h(
        'div',
        { class: 'form-grid' },
        field({ label: t('sched.q.code'), name: 'code', required: !editing, control: input('code', { maxlength: 32, placeholder: 'CT2', value: queue?.code || '', readonly: editing }), hint: editing ? t('sched.q.fixedHint') : null }),
        field({ label: t('sched.q.name'), name: 'name', required: true, control: input('name', { maxlength: 64, placeholder: t('sched.q.namePh'), value: queue?.name || '' }) }),
        field({ label: t('sched.q.modality'), name: 'modality', required: !editing, control: modality }),
        field({ label: t('sched.q.department'), name: 'department', control: input('department', { placeholder: 'RAD', value: queue?.department || '' }), hint: t('sched.q.departmentHint') }),
        field({ label: t('sched.q.station'), name: 'stationAETitle', control: input('stationAETitle', { maxlength: 16, class: 'input mono', placeholder: 'CT02', value: queue?.stationAETitle || '' }), hint: t('sched.q.stationHint') }),
        field({ label: t('sched.q.devices'), name: 'devices', control: input('devices', { maxlength: 200, placeholder: t('sched.q.devicesPh'), value: queue?.devices || '' }) }),
        editing ? h('label', { class: 'switch-label sched-check field-wide' }, active, h('span', null, t('sched.q.activeLabel'))) : null,
      ),
      onSubmit: async (form) => {
        const data = new FormData(form);
        const code = String(data.get('code') || '').trim();
        const name = String(data.get('name') || '').trim();
        /** @type {Record<string, {key: string}>} */
        const problems = {};
        if (!editing && !code) problems.code = { key: 'sched.err.required' };
        if (!name) problems.name = { key: 'sched.err.required' };
        if (showProblems(form, problems)) return false;
        const common = {
          name,
          department: String(data.get('department') || '').trim(),
          stationAETitle: String(data.get('stationAETitle') || '').trim().toUpperCase(),
          devices: String(data.get('devices') || '').trim(),
        };
        if (queue) {
          const saved = await api.request('PUT', `/api/scheduling/queues/${queue.id}`, { json: { ...common, active: active.checked } });
          toast(t('sched.q.saved', { code: saved.code }), 'success');
        } else {
          const created = await api.request('POST', '/api/scheduling/queues', { json: { code, modality: String(data.get('modality')), ...common } });
          toast(t('sched.q.created', { code: created.code }), 'success');
          selected = created.id;
          history.replaceState(null, '', `#/sched-slots?queue=${created.id}`);
        }
        await loadQueues();
      },
    });
  }

  function cycleDialog() {
    formModal({
      title: t('sched.cycle.new'),
      testid: 'sched-cycle-dialog',
      size: 'sm',
      body: h(
        'div',
        { class: 'form-stack' },
        field({ label: t('sched.cycle.name'), name: 'name', required: true, control: input('name', { maxlength: 32, placeholder: t('sched.cycle.namePh') }) }),
        field({ label: t('sched.cycle.start'), name: 'startMD', required: true, control: input('startMD', { placeholder: '05-01', class: 'input mono input-narrow' }), hint: t('sched.cycle.mdHint') }),
        field({ label: t('sched.cycle.end'), name: 'endMD', required: true, control: input('endMD', { placeholder: '09-30', class: 'input mono input-narrow' }) }),
      ),
      onSubmit: async (form) => {
        const data = new FormData(form);
        const name = String(data.get('name') || '').trim();
        const startMD = String(data.get('startMD') || '').trim();
        const endMD = String(data.get('endMD') || '').trim();
        /** @type {Record<string, {key: string}>} */
        const problems = {};
        if (!name) problems.name = { key: 'sched.err.required' };
        if (!isMonthDay(startMD)) problems.startMD = { key: 'sched.err.monthDay' };
        if (!isMonthDay(endMD)) problems.endMD = { key: 'sched.err.monthDay' };
        if (showProblems(form, problems)) return false;
        await api.request('POST', '/api/scheduling/cycles', { json: { name, startMD, endMD } });
        toast(t('sched.cycle.created', { name }), 'success');
        await reloadCycles();
      },
    });
  }

  function holidayDialog() {
    const regen = h('input', { type: 'checkbox', name: 'regenerate', checked: true, testid: 'sched-f-regenerate' });
    formModal({
      title: t('sched.holiday.set'),
      testid: 'sched-holiday-dialog',
      size: 'sm',
      body: h(
        'div',
        { class: 'form-stack' },
        field({ label: t('sched.holiday.date'), name: 'date', required: true, control: input('date', { type: 'date' }) }),
        field({ label: t('sched.holiday.name'), name: 'name', control: input('name', { maxlength: 32, placeholder: t('sched.holiday.namePh') }) }),
        h('label', { class: 'switch-label sched-check' }, regen, h('span', null, t('sched.holiday.regenerate'))),
        h('p', { class: 'field-hint' }, t('sched.holiday.hint')),
      ),
      onSubmit: async (form) => {
        const data = new FormData(form);
        const date = String(data.get('date') || '');
        if (showProblems(form, isIsoDate(date) ? {} : { date: { key: 'sched.err.date' } })) return false;
        await api.request('PUT', `/api/scheduling/holidays/${date}`, { json: { name: String(data.get('name') || '').trim() || t('sched.holiday.default') } });
        let made = 0;
        if (regen.checked) {
          // Remake that one day of every queue: the unbooked slots go, the holiday timetable (or nothing) comes.
          for (const q of queues) made += (await api.request('POST', `/api/scheduling/queues/${q.id}/generate`, { json: { from: date, days: 1 } })).made;
        }
        toast(regen.checked ? t('sched.holiday.savedRegen', { date, n: made }) : t('sched.holiday.saved', { date }), 'success');
        await loadHolidays();
      },
    });
  }

  /**
   * Add one template, or a run of them (one per slot).
   * @param {Queue} queue @param {boolean} run
   */
  function templateDialog(queue, run) {
    const kind = select(['daily', 'weekday', 'cycle', 'holiday', 'date'].map((k) => ({ value: k, label: t(KIND_KEYS[/** @type {TemplateKind} */ (k)]) })), 'daily', { name: 'kind', testid: 'sched-f-kind' });
    const weekday = select(WEEKDAY_KEYS.map((k, i) => ({ value: String(i + 1), label: t(k) })), '1', { name: 'weekday', testid: 'sched-f-weekday' }, t('sched.tpl.everyDay'));
    const cycle = select(cycles.map((c) => ({ value: String(c.id), label: cycleLabel(c) })), cycles[0] ? String(cycles[0].id) : '', { name: 'cycleId', testid: 'sched-f-cycleId' }, cycles.length ? null : t('sched.cycle.noneShort'));
    const weekdayField = field({ label: t('sched.tpl.weekday'), name: 'weekday', control: weekday });
    const cycleField = field({ label: t('sched.tpl.cycle'), name: 'cycleId', required: true, control: cycle, hint: t('sched.tpl.cycleHint') });
    const dateField = field({ label: t('sched.tpl.onDate'), name: 'onDate', required: true, control: input('onDate', { type: 'date' }) });
    const quotaRows = h('div', { class: 'sched-quota-rows', testid: 'sched-quota-rows' });
    const sources = PATIENT_SOURCES.map((s) => h('label', { class: 'check-chip' }, h('input', { type: 'checkbox', name: 'onlySources', value: s, testid: `sched-f-src-${s}` }), h('span', null, t(SOURCE_KEYS[s]))));
    const every = input('every', { type: 'number', min: 5, max: 720, step: 5, value: '30', class: 'input input-narrow' });
    const preview = h('div', { class: 'field-hint sched-run-preview', testid: 'sched-run-preview' });

    const addQuotaRow = () => {
      const i = quotaRows.children.length;
      const dimension = select(QUOTA_DIMENSIONS.map((d) => ({ value: d, label: t(DIMENSION_KEYS[d]) })), 'orderType', { name: 'q-dimension', testid: 'sched-f-q-dimension' });
      const value = input('q-value', { placeholder: t('sched.quota.valuePh') });
      const group = select(CHANNEL_GROUPS.map((g) => ({ value: g, label: t(CHANNEL_GROUP_KEYS[g]) })), 'online', { name: 'q-group', testid: 'sched-f-q-group' });
      const kindOf = select([{ value: 'cap', label: t('sched.quota.cap') }, { value: 'reserve', label: t('sched.quota.reserve') }], 'cap', { name: 'q-kind', testid: 'sched-f-q-kind' });
      const hours = input('q-hours', { type: 'number', min: 0, max: RELEASE_HOURS_MAX, value: '24', class: 'input input-narrow' });
      const hoursField = field({ label: t('sched.quota.releaseHours'), name: `quotas[${i}].releaseHoursBefore`, control: hours, suffix: t('sched.unit.hours') });
      const maxField = field({ label: t('sched.quota.max'), name: `quotas[${i}].max`, control: input('q-max', { type: 'number', min: 0, class: 'input input-narrow' }) });
      const syncRow = () => {
        const isGroup = dimension.value === 'channelGroup';
        value.hidden = isGroup;
        group.hidden = !isGroup;
        hoursField.classList.toggle('is-off', kindOf.value !== 'reserve');
        const label = maxField.querySelector('.field-label')?.firstChild;
        if (label) label.textContent = kindOf.value === 'reserve' ? t('sched.quota.reserveMax') : t('sched.quota.max');
      };
      dimension.addEventListener('change', syncRow);
      kindOf.addEventListener('change', syncRow);
      const row = h(
        'div',
        { class: 'sched-quota-row', testid: 'sched-quota-row' },
        field({ label: t('sched.quota.kind'), name: `quotas[${i}].reserve`, control: kindOf }),
        field({ label: t('sched.quota.dimension'), name: `quotas[${i}].dimension`, control: dimension }),
        field({ label: t('sched.quota.value'), name: `quotas[${i}].value`, control: h('div', { class: 'sched-quota-value' }, value, group) }),
        maxField,
        hoursField,
        button('', { icon: 'x', variant: 'link', title: t('sched.quota.remove'), 'aria-label': t('sched.quota.remove'), testid: 'sched-quota-remove', onclick: () => { row.remove(); renumber(); } }),
      );
      syncRow();
      quotaRows.append(row);
    };
    // Keep the error slots named after the rows' positions (the server names them quotas[0].value …).
    const renumber = () => {
      [...quotaRows.children].forEach((row, i) => {
        for (const el of row.querySelectorAll('.field')) {
          const f = /** @type {HTMLElement} */ (el);
          f.dataset.field = String(f.dataset.field).replace(/^quotas\[\d+\]/, `quotas[${i}]`);
        }
      });
    };

    const sync = () => {
      const k = kind.value;
      weekdayField.hidden = !(k === 'weekday' || k === 'cycle');
      const first = /** @type {HTMLOptionElement} */ (weekday.options[0]);
      first.hidden = k !== 'cycle';
      first.disabled = k !== 'cycle';
      if (k === 'weekday' && weekday.value === '') weekday.value = '1';
      cycleField.hidden = k !== 'cycle';
      dateField.hidden = k !== 'date';
      if (run) {
        const form = /** @type {HTMLFormElement | null} */ (quotaRows.closest('form'));
        const pieces = form ? expandRun(String(new FormData(form).get('startTime') || ''), String(new FormData(form).get('endTime') || ''), Number(every.value)) : [];
        preview.textContent = pieces.length ? t('sched.run.preview', { n: pieces.length, first: `${pieces[0].startTime}–${pieces[0].endTime}`, last: `${pieces[pieces.length - 1].startTime}–${pieces[pieces.length - 1].endTime}` }) : t('sched.run.previewNone');
      }
    };
    kind.addEventListener('change', sync);

    const modal = formModal({
      title: run ? t('sched.run.title', { name: queue.name }) : t('sched.tpl.addTitle', { name: queue.name }),
      testid: run ? 'sched-run-dialog' : 'sched-template-dialog',
      size: 'lg',
      submitText: run ? t('sched.run.submit') : t('common.save'),
      body: h(
        'div',
        { class: 'sched-form' },
        h(
          'div',
          { class: 'form-grid' },
          field({ label: t('sched.tpl.kind'), name: 'kind', required: true, control: kind, hint: t('sched.tpl.kindHint') }),
          weekdayField,
          cycleField,
          dateField,
          field({ label: run ? t('sched.run.start') : t('sched.tpl.start'), name: 'startTime', required: true, control: input('startTime', { ...CLOCK, value: '08:00', oninput: sync }) }),
          field({ label: run ? t('sched.run.end') : t('sched.tpl.end'), name: 'endTime', required: true, control: input('endTime', { ...CLOCK, value: run ? '12:00' : '08:30', oninput: sync }) }),
          run ? field({ label: t('sched.run.every'), name: 'every', required: true, control: every, suffix: t('sched.run.minutes') }) : null,
          field({ label: t('sched.tpl.capacity'), name: 'capacity', required: true, control: input('capacity', { type: 'number', min: 0, max: 500, value: '4', class: 'input input-narrow' }), hint: t('sched.tpl.capacityHint') }),
          field({ label: t('sched.tpl.openDays'), name: 'openDays', control: input('openDays', { type: 'number', min: 0, max: 365, value: '30', class: 'input input-narrow' }), suffix: t('sched.unit.days'), hint: t('sched.tpl.openDaysHint') }),
        ),
        run ? preview : null,
        h('h3', { class: 'sched-form-title' }, t('sched.quota.title')),
        h('p', { class: 'field-hint' }, t('sched.quota.hint')),
        quotaRows,
        button(t('sched.quota.add'), { icon: 'plus', variant: 'link', testid: 'sched-quota-add', onclick: addQuotaRow }),
        h('h3', { class: 'sched-form-title' }, t('sched.release.title')),
        h(
          'div',
          { class: 'field', dataset: { field: 'releaseRule.onlySources' } },
          h('span', { class: 'field-label' }, t('sched.release.only')),
          h('div', { class: 'check-chips' }, sources),
          h('div', { class: 'field-error', testid: 'error-releaseRule.onlySources', hidden: true }),
        ),
        field({ label: t('sched.release.days'), name: 'releaseRule.openToAllDaysBefore', control: input('openToAllDaysBefore', { type: 'number', min: 0, max: 60, value: '1', class: 'input input-narrow' }), suffix: t('sched.unit.days'), hint: t('sched.release.hint') }),
      ),
      onSubmit: async (form) => {
        const data = new FormData(form);
        const rows = [...quotaRows.children].map((row) => {
          const value = (/** @type {string} */ name) => String(/** @type {HTMLInputElement} */ (row.querySelector(`[name="${name}"]`)).value);
          const dimension = value('q-dimension');
          return {
            dimension,
            value: dimension === 'channelGroup' ? value('q-group') : value('q-value'),
            max: value('q-max'),
            reserve: value('q-kind') === 'reserve',
            releaseHoursBefore: value('q-hours'),
          };
        });
        /** @type {import('../lib/scheduling.js').TemplateForm} */
        const values = {
          kind: String(data.get('kind')), weekday: String(data.get('weekday') || ''), cycleId: String(data.get('cycleId') || ''), onDate: String(data.get('onDate') || ''),
          startTime: String(data.get('startTime') || ''), endTime: String(data.get('endTime') || ''), capacity: String(data.get('capacity') || ''),
          quotas: rows, onlySources: data.getAll('onlySources').map(String), openToAllDaysBefore: String(data.get('openToAllDaysBefore') || ''), openDays: String(data.get('openDays') || ''),
        };
        if (!run) {
          const { body, problems } = templateBody(values);
          if (showProblems(form, problems)) return false;
          await api.request('POST', `/api/scheduling/queues/${queue.id}/templates`, { json: body });
          toast(t('sched.tpl.added'), 'success');
          await loadTemplates();
          return;
        }
        const { bodies, problems } = runBodies(values, every.value);
        if (showProblems(form, problems)) return false;
        let done = 0;
        try {
          for (const body of bodies) {
            await api.request('POST', `/api/scheduling/queues/${queue.id}/templates`, { json: body });
            done += 1;
          }
        } catch (error) {
          await loadTemplates();
          clearErrors(form);
          showFormError(form, error);
          setFormAlert(form, t('sched.run.partial', { done, total: bodies.length, message: errorText(error) }));
          return false;
        }
        toast(t('sched.run.added', { n: done }), 'success');
        await loadTemplates();
      },
    });
    sync();
    void modal;
  }

  await Promise.all([loadQueues(), loadHolidays()]);
}

// ================================================================ 检查号规则

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderExamNumbers(main, ctx) {
  const { api, signal } = ctx;
  const clock = await loadHospitalClock(api);
  const table = dataTable({
    testid: 'sched-rules',
    columns: /** @type {import('../components/ui.js').Column<ExamNumberRule>[]} */ ([
      { title: t('sched.rule.department'), render: (r) => r.department || h('span', { class: 'muted' }, t('sched.rule.any')) },
      { title: t('sched.rule.modality'), render: (r) => h('span', { testid: 'sched-rule-modality' }, r.modality || t('sched.rule.any')) },
      { title: t('sched.rule.prefix'), render: (r) => h('span', { class: 'mono' }, r.prefix || '—') },
      { title: t('sched.rule.dateFormat'), render: (r) => h('span', { class: 'mono' }, r.dateFormat || t('sched.rule.noDate')) },
      { title: t('sched.rule.sequence'), render: (r) => String(r.sequenceLength), className: 'num' },
      { title: t('sched.rule.suffix'), render: (r) => h('span', { class: 'mono' }, r.suffix || '—') },
      { title: t('sched.rule.reset'), render: (r) => t(RESET_KEYS[r.reset] || 'sched.reset.daily') },
      { title: t('sched.rule.example'), render: (r) => h('code', { class: 'sched-example', testid: 'sched-rule-example' }, r.example) },
      {
        title: t('common.actions'),
        render: (r) =>
          ctx.can('scheduling.manage')
            ? h(
                'div',
                { class: 'row-actions' },
                button(t('common.edit'), { variant: 'link', testid: 'sched-rule-edit', onclick: () => editor(r) }),
                button(t('common.delete'), { variant: 'link-danger', testid: 'sched-rule-delete', onclick: () => remove(r) }),
              )
            : null,
      },
    ]),
    rowProps: (r) => ({ testid: 'sched-rule-row', dataset: { department: r.department, modality: r.modality } }),
    empty: () => ({ title: t('sched.rule.empty'), text: t('sched.rule.emptyText') }),
  });
  replace(
    main,
    pageHeader(t('nav.schedNumbers'), t('sched.rule.desc'), ctx.can('scheduling.manage') ? button(t('sched.rule.new'), { variant: 'primary', icon: 'plus', testid: 'sched-rule-new', onclick: () => editor(null) }) : null),
    readNotice(ctx),
    h('div', { class: 'card' }, table.el),
  );

  async function load() {
    table.setLoading();
    try {
      table.setRows((await api.request('GET', '/api/scheduling/exam-number-rules', { signal })).items);
    } catch (error) {
      if (!signal.aborted) table.setError(error, load);
    }
  }

  /** @param {ExamNumberRule} rule */
  async function remove(rule) {
    const what = `${rule.department || t('sched.rule.any')} · ${rule.modality || t('sched.rule.any')}`;
    const ok = await confirmDialog({ title: t('sched.rule.deleteTitle'), message: t('sched.rule.deleteText', { what, example: rule.example }), confirmText: t('common.delete'), danger: true });
    if (!ok) return;
    try {
      await api.request('DELETE', `/api/scheduling/exam-number-rules/${rule.id}`);
      toast(t('sched.rule.deleted', { what }), 'success');
      await load();
    } catch (error) {
      toastError(error); // 409 in_use once the rule has issued numbers: the server says so
    }
  }

  /** @param {ExamNumberRule | null} rule */
  function editor(rule) {
    const today = clock.today();
    const dateFormat = select(DATE_FORMATS.map((f) => ({ value: f, label: f || t('sched.rule.noDate') })), rule ? rule.dateFormat : 'yyyyMMdd', { name: 'dateFormat', testid: 'sched-f-dateFormat' });
    const reset = select(RESETS.map((r) => ({ value: r, label: t(RESET_KEYS[r]) })), rule ? rule.reset : 'daily', { name: 'reset', testid: 'sched-f-reset' });
    const preview = h('div', { class: 'sched-rule-preview', testid: 'sched-rule-preview', 'aria-live': 'polite' });
    const modal = formModal({
      title: rule ? t('sched.rule.editTitle') : t('sched.rule.new'),
      testid: 'sched-rule-dialog',
      body: h(
        'div',
        { class: 'form-grid' },
        field({ label: t('sched.rule.department'), name: 'department', control: input('department', { value: rule?.department ?? 'RAD', readonly: !!rule }), hint: t('sched.rule.departmentHint') }),
        field({ label: t('sched.rule.modality'), name: 'modality', control: input('modality', { value: rule?.modality ?? '', readonly: !!rule, placeholder: 'CT' }), hint: t('sched.rule.modalityHint') }),
        field({ label: t('sched.rule.prefix'), name: 'prefix', control: input('prefix', { value: rule?.prefix ?? '', class: 'input mono' }), hint: t('sched.rule.prefixHint') }),
        field({ label: t('sched.rule.dateFormat'), name: 'dateFormat', control: dateFormat }),
        field({ label: t('sched.rule.sequence'), name: 'sequenceLength', control: input('sequenceLength', { type: 'number', min: 2, max: 10, value: String(rule?.sequenceLength ?? 4), class: 'input input-narrow' }), suffix: t('sched.unit.digits') }),
        field({ label: t('sched.rule.suffix'), name: 'suffix', control: input('suffix', { value: rule?.suffix ?? '', class: 'input mono' }) }),
        field({ label: t('sched.rule.reset'), name: 'reset', control: reset }),
        h('div', { class: 'field field-wide' }, h('span', { class: 'field-label' }, t('sched.rule.previewLabel')), preview),
      ),
      onSubmit: async (form) => {
        const data = new FormData(form);
        const body = examRuleBody(/** @type {any} */ (Object.fromEntries(data.entries())));
        const saved = await api.request('PUT', '/api/scheduling/exam-number-rules', { json: body });
        toast(t('sched.rule.saved', { example: saved.example }), 'success');
        await load();
      },
    });
    const update = () => {
      const data = new FormData(modal.form);
      const p = examNumberPreview(/** @type {any} */ (Object.fromEntries(data.entries())), today);
      replace(preview, h('code', { class: 'sched-example' }, p.text || '—'), h('span', { class: ['sched-length', p.length > EXAM_NUMBER_MAX ? 'is-over' : ''] }, t('sched.rule.length', { n: p.length, max: EXAM_NUMBER_MAX })));
    };
    modal.form.addEventListener('input', update);
    modal.form.addEventListener('change', update);
    update();
  }

  await load();
}

// ================================================================ 预约黑名单

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderBlacklist(main, ctx) {
  const { api, signal } = ctx;
  const clock = await loadHospitalClock(api);
  const manage = ctx.can('scheduling.manage');
  const table = dataTable({
    testid: 'sched-blacklist',
    columns: /** @type {import('../components/ui.js').Column<BlacklistedPatient>[]} */ ([
      { title: t('sched.bl.patient'), render: (p) => h('div', { class: 'stack-cell' }, h('span', { class: 'strong', testid: 'sched-bl-name' }, displayName(p.name) || p.patientId), h('span', { class: 'muted mono', testid: 'sched-bl-id' }, p.patientId)) },
      { title: t('sched.bl.source'), render: (p) => t(SOURCE_KEYS[p.source] || 'sched.src.outpatient') },
      { title: t('sched.bl.noShows'), render: (p) => h('span', { testid: 'sched-bl-noshows' }, String(p.noShows)), className: 'num' },
      { title: t('sched.bl.until'), render: (p) => h('span', { testid: 'sched-bl-until' }, clock.dateTime(p.blacklistedUntil)) },
      { title: t('sched.bl.reason'), render: (p) => p.blacklistReason || '—' },
      ...(manage ? [{ title: t('common.actions'), render: (/** @type {BlacklistedPatient} */ p) => button(t('sched.bl.lift'), { variant: 'link', testid: 'sched-bl-lift', onclick: () => lift(p) }) }] : []),
    ]),
    rowProps: (p) => ({ testid: 'sched-bl-row', dataset: { patientId: p.patientId } }),
    empty: () => ({ title: t('sched.bl.empty'), text: t('sched.bl.emptyText') }),
  });
  replace(main, pageHeader(t('nav.schedBlacklist'), t('sched.bl.desc')), readNotice(ctx), h('div', { class: 'card' }, table.el));

  async function load() {
    table.setLoading();
    try {
      table.setRows((await api.request('GET', '/api/scheduling/blacklist', { signal })).items);
    } catch (error) {
      if (!signal.aborted) table.setError(error, load);
    }
  }

  /** @param {BlacklistedPatient} p */
  async function lift(p) {
    const ok = await confirmDialog({ title: t('sched.bl.liftTitle'), message: t('sched.bl.liftText', { name: displayName(p.name) || p.patientId, id: p.patientId, n: p.noShows }), confirmText: t('sched.bl.lift') });
    if (!ok) return;
    try {
      await api.request('DELETE', `/api/scheduling/blacklist/${encodeURIComponent(p.patientId)}`);
      toast(t('sched.bl.lifted', { name: displayName(p.name) || p.patientId }), 'success');
      await load();
    } catch (error) {
      toastError(error);
    }
  }

  await load();
}

// ================================================================ 预约统计

/** Bar colours (the styles' palette): 已登记, 爽约, 已取消, 待检查. */
const STAT_COLORS = ['#1a7f45', '#cf3131', '#9aa4b1', '#7aa7e6'];

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderBookingStats(main, ctx) {
  const { api, signal } = ctx;
  const clock = await loadHospitalClock(api);
  const month = monthRange(clock.today());
  const from = h('input', { class: 'input input-date', type: 'date', name: 'from', value: isIsoDate(ctx.query.get('from') || '') ? String(ctx.query.get('from')) : month.from, testid: 'sched-stats-from', 'aria-label': t('sched.stats.from') });
  const to = h('input', { class: 'input input-date', type: 'date', name: 'to', value: isIsoDate(ctx.query.get('to') || '') ? String(ctx.query.get('to')) : month.to, testid: 'sched-stats-to', 'aria-label': t('sched.stats.to') });
  const rangeError = h('div', { class: 'field-error', testid: 'sched-stats-error', hidden: true });
  const summary = h('div', { class: 'sched-stats-summary', testid: 'sched-stats-summary', role: 'status' });
  const chartBox = h('div', { class: 'sched-stats-chart', testid: 'sched-stats-chart' });
  // 导出 Excel: a plain link (the session cookie goes with it), kept on the range last queried.
  const exportLink = h('a', { class: 'btn btn-default', href: statsExportUrl(from.value, to.value), download: '', testid: 'sched-stats-export' }, icon('download'), h('span', null, t('sched.stats.export')));
  /** @type {ChannelStats[]} */
  let rows = [];
  const pct = (/** @type {number} */ n, /** @type {number} */ d) => (d > 0 ? `${((n / d) * 100).toFixed(1)}%` : '—');
  const table = dataTable({
    testid: 'sched-stats-table',
    columns: /** @type {import('../components/ui.js').Column<ChannelStats>[]} */ ([
      { title: t('sched.stats.channel'), render: (r) => h('span', { testid: 'sched-stats-channel', dataset: { channel: r.channel } }, r.channel === '' ? t('sched.stats.total') : CHANNEL_KEYS[r.channel] ? t(CHANNEL_KEYS[r.channel]) : r.channelName) },
      { title: t('sched.stats.bookings'), render: (r) => h('span', { testid: 'sched-stats-bookings' }, String(r.bookings)), className: 'num' },
      { title: t('sched.stats.checkedIn'), render: (r) => h('span', { testid: 'sched-stats-checkedin' }, String(r.checkedIn)), className: 'num' },
      { title: t('sched.stats.noShows'), render: (r) => h('span', { testid: 'sched-stats-noshows' }, String(r.noShows)), className: 'num' },
      { title: t('sched.stats.cancelled'), render: (r) => h('span', { testid: 'sched-stats-cancelled' }, String(r.cancelled)), className: 'num' },
      { title: t('sched.stats.noShowRate'), render: (r) => pct(r.noShows, r.bookings - r.cancelled), className: 'num' },
    ]),
    rowProps: (r) => ({ testid: r.channel === '' ? 'sched-stats-total' : 'sched-stats-row', class: r.channel === '' ? 'sched-total-row' : '' }),
    empty: () => ({ title: t('sched.stats.empty'), text: t('sched.stats.emptyText') }),
  });

  replace(
    main,
    pageHeader(t('nav.schedStats'), t('sched.stats.desc')),
    readNotice(ctx),
    h(
      'div',
      { class: 'card' },
      h(
        'form',
        { class: 'toolbar sched-stats-toolbar', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); load(); } },
        h('div', { class: 'filter' }, h('span', { class: 'filter-label' }, t('sched.stats.range')), h('span', { class: 'range' }, from, h('span', { class: 'range-sep' }, t('sched.stats.toSep')), to), rangeError),
        h('div', { class: 'toolbar-buttons' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'sched-stats-query' }, icon('search'), h('span', null, t('common.query'))), button(t('sched.stats.thisMonth'), { testid: 'sched-stats-month', onclick: () => { from.value = month.from; to.value = month.to; load(); } }), exportLink),
      ),
      summary,
      chartBox,
      table.el,
    ),
  );

  async function load() {
    rangeError.hidden = true;
    const problem = checkStatsRange(from.value, to.value);
    if (problem) {
      rangeError.textContent = t(problem.key);
      rangeError.hidden = false;
      return;
    }
    history.replaceState(null, '', `#/sched-stats?from=${from.value}&to=${to.value}`);
    exportLink.setAttribute('href', statsExportUrl(from.value, to.value));
    table.setLoading();
    try {
      rows = (await api.request('GET', '/api/scheduling/statistics', { query: { from: from.value, to: to.value }, signal })).items;
      const sum = statsTotals(rows);
      replace(summary, rows.length ? t('sched.stats.summary', { from: from.value, to: to.value, ...sum }) : '');
      replace(
        chartBox,
        rows.length
          ? barChart({
              rows: statsChartRows(rows),
              series: [t('sched.stats.checkedIn'), t('sched.stats.noShows'), t('sched.stats.cancelled'), t('sched.stats.waiting')].map((label, i) => ({ label, color: STAT_COLORS[i] })),
              testid: 'sched-stats-bars',
              ariaLabel: t('sched.stats.chartAria'),
              tooltip: (row, k) => `${row.label} · ${[t('sched.stats.checkedIn'), t('sched.stats.noShows'), t('sched.stats.cancelled'), t('sched.stats.waiting')][k]}: ${row.values[k]}`,
            })
          : null,
      );
      table.setRows(rows.length ? [...rows, { channel: '', channelName: '', ...sum }] : []);
    } catch (error) {
      if (signal.aborted) return;
      replace(summary);
      replace(chartBox);
      table.setError(error, load);
    }
  }

  await load();
}
