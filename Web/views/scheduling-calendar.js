// 预约日历 (issue #7 item 11; REG-12, REG-14, REG-18): a queue's booking slots at a glance, for the booking desk and the
// department head. Day view: one row per slot with its time, a used/capacity bar, quota use, the release rule and the
// patients booked into it (name, item, status). Week view: Monday … Sunday × time rows, each cell coloured by how full
// the slot is (空闲 / 紧张 / 已满 / 未开放) with used/capacity; a click opens that day. Dates are the hospital's
// (GET /api/scheduling/settings: its zone and today); today is highlighted; a holiday shows its name (GET
// /api/scheduling/holidays). Quotas show their use; a reservation (预留) also whether it has been released yet.
// Route: #/sched-calendar?queue=<id>&date=YYYY-MM-DD&view=day|week.
// Reads GET /api/scheduling/queues, …/queues/{id}/slots and /api/scheduling/appointments (registration.manage).
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { pageHeader, button, badge, select, emptyState, errorText } from '../components/ui.js';
import {
  loadHospitalClock, holidayNames, addDays, weekDates, isoWeekday, isIsoDate, buildWeekGrid, slotsWithAppointments, fillOf, fillClass, usePercent, totals,
  quotaUse, releaseDate, releaseActive, displayName, WEEKDAY_KEYS, FILL_KEYS, STATUS_KEYS, STATUS_TONES, SOURCE_KEYS, DIMENSION_KEYS,
  CHANNEL_GROUP_KEYS,
} from '../lib/scheduling.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/scheduling.js').Queue} Queue */
/** @typedef {import('../lib/scheduling.js').Slot} Slot */
/** @typedef {import('../lib/scheduling.js').AppointmentEntry} AppointmentEntry */

const ROUTE = '/sched-calendar';

/**
 * 门诊、住院 … for a list of source codes.
 * @param {string[]} sources
 */
export function sourcesText(sources) {
  return sources.map((s) => t(SOURCE_KEYS[s] || s)).join(t('sched.listSep'));
}

/** The colour key of the fill classes (空闲 / 紧张 / 已满 / 未开放). */
export function fillLegend() {
  return h(
    'div',
    { class: 'sched-legend', testid: 'sched-legend' },
    /** @type {const} */ (['free', 'tight', 'full', 'closed']).map((f) => h('span', { class: ['sched-legend-item', fillClass(f)] }, h('span', { class: 'sched-swatch' }), t(FILL_KEYS[f]))),
  );
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderSchedulingCalendar(main, ctx) {
  const { api, signal } = ctx;
  const clock = await loadHospitalClock(api);
  const today = clock.today();
  /** @type {Queue[]} */
  const queues = (await api.request('GET', '/api/scheduling/queues', { signal })).items;
  const state = {
    queue: Number(ctx.query.get('queue')) || 0,
    date: isIsoDate(ctx.query.get('date') || '') ? String(ctx.query.get('date')) : today,
    view: ctx.query.get('view') === 'week' ? 'week' : 'day',
  };
  if (!queues.some((q) => q.id === state.queue)) state.queue = queues.find((q) => q.active)?.id || queues[0]?.id || 0;

  if (queues.length === 0) {
    replace(
      main,
      pageHeader(t('nav.schedCalendar'), t('sched.cal.desc')),
      h('div', { class: 'card' }, emptyState({ icon: 'calendar', title: t('sched.cal.noQueues'), text: ctx.can('scheduling.manage') ? t('sched.cal.noQueuesAdmin') : t('sched.cal.noQueuesText'), testid: 'sched-no-queues' })),
    );
    return;
  }

  const queueSelect = select(
    queues.map((q) => ({ value: String(q.id), label: `${q.name}（${q.code} · ${q.modality}）` })),
    String(state.queue),
    { testid: 'sched-queue', 'aria-label': t('sched.cal.queue'), onchange: () => { state.queue = Number(queueSelect.value); load(); } },
  );
  const dateInput = h('input', {
    class: 'input input-date', type: 'date', value: state.date, testid: 'sched-date', 'aria-label': t('sched.cal.date'),
    onchange: () => { if (isIsoDate(dateInput.value)) { state.date = dateInput.value; load(); } },
  });
  const viewButtons = /** @type {const} */ (['day', 'week']).map((v) =>
    h('button', { type: 'button', class: ['seg-btn', state.view === v ? 'active' : ''], testid: `sched-view-${v}`, 'aria-pressed': String(state.view === v), onclick: () => { state.view = v; load(); } }, t(v === 'day' ? 'sched.cal.dayView' : 'sched.cal.weekView')),
  );
  const step = (/** @type {number} */ dir) => {
    state.date = addDays(state.date, dir * (state.view === 'week' ? 7 : 1));
    load();
  };
  const prev = button('', { icon: 'chevronLeft', testid: 'sched-prev', onclick: () => step(-1) });
  const next = button('', { icon: 'chevronRight', testid: 'sched-next', onclick: () => step(1) });
  const todayBtn = button(t('sched.cal.today'), { testid: 'sched-today', onclick: () => { state.date = today; load(); } });
  const heading = h('div', { class: 'sched-heading', testid: 'sched-heading' });
  const body = h('div', { class: 'sched-body', testid: 'sched-body' });

  replace(
    main,
    pageHeader(t('nav.schedCalendar'), t('sched.cal.desc')),
    h(
      'div',
      { class: 'card sched-card' },
      h(
        'div',
        { class: 'sched-toolbar' },
        h('label', { class: 'sched-tool' }, h('span', { class: 'filter-label' }, t('sched.cal.queue')), queueSelect),
        h('div', { class: 'seg sched-seg', role: 'group', 'aria-label': t('sched.cal.view') }, viewButtons),
        h('div', { class: 'sched-nav' }, prev, todayBtn, next, dateInput),
        fillLegend(),
      ),
      heading,
      body,
    ),
  );

  let seq = 0;
  async function load() {
    const mine = ++seq;
    for (const b of viewButtons) {
      const on = b.dataset.testid === `sched-view-${state.view}`;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    }
    prev.title = t(state.view === 'week' ? 'sched.cal.prevWeek' : 'sched.cal.prevDay');
    next.title = t(state.view === 'week' ? 'sched.cal.nextWeek' : 'sched.cal.nextDay');
    prev.setAttribute('aria-label', prev.title);
    next.setAttribute('aria-label', next.title);
    dateInput.value = state.date;
    history.replaceState(null, '', `#${ROUTE}?queue=${state.queue}&date=${state.date}&view=${state.view}`);
    body.classList.add('is-loading');
    body.setAttribute('aria-busy', 'true');
    try {
      if (state.view === 'week') {
        const dates = weekDates(state.date);
        const [slotAnswer, holidays] = await Promise.all([
          api.request('GET', `/api/scheduling/queues/${state.queue}/slots`, { query: { from: dates[0], to: dates[6] }, signal }),
          holidaysOf(dates[0], dates[6]),
        ]);
        if (mine !== seq) return;
        renderWeek(dates, /** @type {{slot: Slot}[]} */ (slotAnswer.items).map((x) => x.slot), holidays);
      } else {
        const [slotAnswer, entries, holidays] = await Promise.all([
          api.request('GET', `/api/scheduling/queues/${state.queue}/slots`, { query: { from: state.date, to: state.date }, signal }),
          dayAppointments(state.date),
          holidaysOf(state.date, state.date),
        ]);
        if (mine !== seq) return;
        renderDay(/** @type {{slot: Slot}[]} */ (slotAnswer.items).map((x) => x.slot), entries, holidays[state.date] ?? null);
      }
    } catch (error) {
      if (mine !== seq || signal.aborted) return;
      replace(heading);
      replace(body, h('div', { class: 'table-state error', testid: 'sched-error' }, icon('alert'), h('span', null, errorText(error)), button(t('common.retry'), { variant: 'link', onclick: load })));
    } finally {
      if (mine === seq) {
        body.classList.remove('is-loading');
        body.removeAttribute('aria-busy');
      }
    }
  }

  /**
   * Every appointment of the queue on a date (pages of 200).
   * @param {string} date
   */
  async function dayAppointments(date) {
    /** @type {AppointmentEntry[]} */
    const out = [];
    for (let page = 1; page <= 20; page++) {
      const answer = await api.request('GET', '/api/scheduling/appointments', { query: { date, queueId: state.queue, page, pageSize: 200 }, signal });
      out.push(...answer.items);
      if (out.length >= answer.total || answer.items.length === 0) break;
    }
    return out;
  }

  /**
   * Holidays of a range as date → name; none when they cannot be read (the slots say the day is closed anyway).
   * @param {string} from @param {string} to
   */
  async function holidaysOf(from, to) {
    try {
      return holidayNames((await api.request('GET', '/api/scheduling/holidays', { query: { from, to }, signal })).items);
    } catch {
      return /** @type {Record<string, string>} */ ({});
    }
  }

  /** @param {string} date */
  const dayLabel = (date) => t('sched.cal.dayLabel', { date, weekday: t(WEEKDAY_KEYS[isoWeekday(date) - 1]) });

  /** @param {Slot[]} slots @param {AppointmentEntry[]} entries @param {string | null} holiday the day's holiday name */
  function renderDay(slots, entries, holiday) {
    const sum = totals(slots);
    replace(
      heading,
      h(
        'h2',
        { class: ['sched-title', state.date === today ? 'is-today' : ''], testid: 'sched-day-title' },
        dayLabel(state.date),
        state.date === today ? badge(t('sched.cal.todayTag'), 'blue', { testid: 'sched-today-tag' }) : null,
        holiday !== null ? badge(t('sched.cal.holiday', { name: holiday || t('sched.holiday.default') }), 'orange', { testid: 'sched-day-holiday' }) : null,
      ),
      slots.length ? h('span', { class: 'sched-sum', testid: 'sched-day-sum' }, t('sched.cal.daySum', { used: sum.used, capacity: sum.capacity, free: sum.free, n: slots.length })) : null,
    );
    if (slots.length === 0) {
      const text = holiday !== null ? t('sched.cal.closedHoliday', { name: holiday || t('sched.holiday.default') }) : t('sched.cal.closedText');
      replace(body, emptyState({ icon: 'calendar', title: t('sched.cal.closed'), text, testid: 'sched-day-empty' }));
      return;
    }
    const rows = slotsWithAppointments(slots, entries);
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table sched-day-table', testid: 'sched-day-table' },
          h('thead', null, h('tr', null, [t('sched.cal.time'), t('sched.cal.use'), t('sched.cal.quota'), t('sched.cal.release'), t('sched.cal.patients')].map((x) => h('th', null, x)))),
          h(
            'tbody',
            null,
            rows.map(({ slot, fill, appointments }) =>
              h(
                'tr',
                { testid: 'sched-slot-row', dataset: { slotId: String(slot.id), start: slot.startTime, fill } },
                h('td', { class: 'nowrap mono', testid: 'sched-slot-time' }, `${slot.startTime}–${slot.endTime}`),
                h('td', null, useBar(slot)),
                h('td', null, quotaCell(slot)),
                h('td', null, releaseCell(slot)),
                h('td', null, appointments.length ? h('div', { class: 'sched-patients' }, appointments.map(patientChip)) : h('span', { class: 'muted' }, t('sched.cal.noBookings'))),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** @param {Slot} slot */
  function useBar(slot) {
    const fill = fillOf(slot);
    return h(
      'div',
      { class: ['sched-use', fillClass(fill)], title: t(FILL_KEYS[fill]) },
      h('div', { class: 'sched-bar', role: 'img', 'aria-label': t('sched.cal.useAria', { used: slot.used, capacity: slot.capacity }) }, h('span', { class: 'sched-bar-fill', style: { width: `${usePercent(slot)}%` } })),
      h('span', { class: 'sched-use-text', testid: 'sched-slot-use' }, `${slot.used}/${slot.capacity}`),
      h('span', { class: 'sched-fill-tag' }, t(FILL_KEYS[fill])),
    );
  }

  /**
   * Quotas with their use: a cap "双胎 1/1"; a reservation "自助渠道 预留 1/2 · 检查前 24 小时释放" while it holds, "… 已释放"
   * once its release time has come (hospital time).
   * @param {Slot} slot
   */
  function quotaCell(slot) {
    const quotas = quotaUse(slot, clock.clock());
    if (!quotas.length) return h('span', { class: 'muted' }, '—');
    return h(
      'div',
      { class: 'chips' },
      quotas.map((q) => {
        const value = q.dimension === 'source' ? t(SOURCE_KEYS[q.value] || q.value) : q.dimension === 'channelGroup' ? t(CHANNEL_GROUP_KEYS[q.value] || q.value) : q.value;
        const dim = t(DIMENSION_KEYS[q.dimension] || 'sched.dim.orderType');
        if (!q.reserve) {
          return h('span', { class: ['sched-quota', q.used >= q.max ? 'is-full' : ''], testid: 'sched-slot-quota', dataset: { kind: 'cap' }, title: dim }, t('sched.cal.quotaUse', { value, used: q.used, max: q.max }));
        }
        const text = t(q.released ? 'sched.cal.reserveReleased' : 'sched.cal.reserveHeld', { value, used: Math.min(q.used, q.max), max: q.max, hours: q.releaseHoursBefore ?? 0 });
        return h(
          'span',
          { class: ['sched-quota', 'is-reserve', q.released ? 'is-released' : ''], testid: 'sched-slot-quota', dataset: { kind: 'reserve', released: String(q.released) }, title: t('sched.cal.reserveTitle', { dim, hours: q.releaseHoursBefore ?? 0 }) },
          text,
        );
      }),
    );
  }

  /** @param {Slot} slot */
  function releaseCell(slot) {
    const rule = slot.releaseRule;
    const open = releaseDate(slot.date, rule);
    if (!rule || !open) return h('span', { class: 'muted' }, t('sched.cal.releaseNone'));
    const active = releaseActive(slot.date, rule, today);
    return h(
      'span',
      { class: ['sched-release', active ? 'is-active' : ''], testid: 'sched-slot-release' },
      active ? t('sched.cal.releaseUntil', { who: sourcesText(rule.onlySources), date: open }) : t('sched.cal.releaseOpen', { who: sourcesText(rule.onlySources), days: rule.openToAllDaysBefore }),
    );
  }

  /** @param {AppointmentEntry} entry */
  function patientChip(entry) {
    const status = entry.appointment.status;
    return h(
      'span',
      { class: ['sched-patient', `st-${status}`], testid: 'sched-appointment', title: `${entry.patientId} · ${entry.itemName} · ${entry.orderNo}` },
      h('span', { class: 'sched-patient-name', testid: 'sched-appointment-name' }, displayName(entry.patientName) || entry.patientId),
      h('span', { class: 'sched-patient-item' }, entry.itemName),
      badge(t(STATUS_KEYS[status] || 'sched.status.booked'), STATUS_TONES[status] || 'gray', { testid: 'sched-appointment-status', dataset: { status } }),
    );
  }

  /** @param {string[]} dates @param {Slot[]} slots @param {Record<string, string>} holidays date → name */
  function renderWeek(dates, slots, holidays) {
    const grid = buildWeekGrid(slots, dates);
    const sum = totals(slots);
    replace(
      heading,
      h('h2', { class: 'sched-title', testid: 'sched-week-title' }, t('sched.cal.weekLabel', { from: dates[0], to: dates[6] })),
      slots.length ? h('span', { class: 'sched-sum', testid: 'sched-week-sum' }, t('sched.cal.weekSum', { used: sum.used, capacity: sum.capacity, free: sum.free })) : null,
    );
    if (grid.rows.length === 0) {
      replace(body, emptyState({ icon: 'calendar', title: t('sched.cal.weekClosed'), text: t('sched.cal.closedText'), testid: 'sched-week-empty' }));
      return;
    }
    /** @param {string} date */
    const openDay = (date) => {
      state.date = date;
      state.view = 'day';
      load();
    };
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap sched-week-wrap' },
        h(
          'table',
          { class: 'sched-week', testid: 'sched-week-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { class: 'sched-week-corner' }, t('sched.cal.time')),
              grid.days.map((d) =>
                h(
                  'th',
                  { class: ['sched-week-day', d.date === today ? 'is-today' : '', d.open ? '' : 'is-closed', d.date in holidays ? 'is-holiday' : ''], testid: 'sched-week-day', dataset: { date: d.date, open: String(d.open), used: String(d.used), capacity: String(d.capacity) } },
                  h('button', { type: 'button', class: 'sched-day-link', onclick: () => openDay(d.date), title: t('sched.cal.openDay') },
                    h('span', { class: 'sched-wd' }, t(WEEKDAY_KEYS[d.weekday - 1])),
                    h('span', { class: 'sched-md' }, d.date.slice(5)),
                    d.date === today ? h('span', { class: 'sched-today-dot', testid: 'sched-week-today' }, t('sched.cal.todayTag')) : null,
                  ),
                  d.date in holidays ? h('div', { class: 'sched-holiday-name', testid: 'sched-week-holiday' }, holidays[d.date] || t('sched.holiday.default')) : null,
                  h('div', { class: 'sched-day-sum', testid: 'sched-week-day-sum' }, d.open ? t('sched.cal.cellUse', { used: d.used, capacity: d.capacity }) : t('sched.cal.closed')),
                ),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            grid.rows.map((row) =>
              h(
                'tr',
                null,
                h('th', { class: 'sched-week-time mono', scope: 'row' }, `${row.startTime}–${row.endTime}`),
                row.cells.map((slot, i) => {
                  const fill = fillOf(slot);
                  const date = grid.dates[i];
                  return h(
                    'td',
                    {
                      class: ['sched-cell', fillClass(fill), date === today ? 'is-today' : ''],
                      testid: 'sched-week-cell',
                      dataset: { date, start: row.startTime, fill, used: slot ? String(slot.used) : '', capacity: slot ? String(slot.capacity) : '' },
                      title: slot ? `${date} ${slot.startTime}–${slot.endTime} · ${t(FILL_KEYS[fill])} ${slot.used}/${slot.capacity}` : `${date} ${row.startTime} · ${t(FILL_KEYS.closed)}`,
                      onclick: () => openDay(date),
                    },
                    slot ? h('span', { class: 'sched-cell-use' }, `${slot.used}/${slot.capacity}`) : h('span', { class: 'sched-cell-none' }, t('sched.fill.closedShort')),
                  );
                }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  await load();
}
