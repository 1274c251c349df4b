// Pure logic of the booking pages (预约日历, 号源管理, 检查号规则, 预约黑名单, 预约统计; issue #7 item 11): hospital dates,
// the week grid and its fill classes, slots with their appointments for the day view, template forms → request bodies
// (POST /api/scheduling/queues/{id}/templates), a run of slots expanded into one template per slot, exam-number rule
// bodies and statistics totals, the hospital's clock from GET /api/scheduling/settings. No DOM here (unit-tested in
// tests/scheduling.test.js).

/**
 * @typedef {{dimension: string, value: string, max: number, reserve?: boolean | null, releaseHoursBefore?: number | null}} Quota
 * @typedef {{onlySources: string[], openToAllDaysBefore: number}} ReleaseRule
 * @typedef {{id: number, queueId: number, date: string, startTime: string, endTime: string, capacity: number, used: number,
 *   quotas: Quota[], quotaUse: Record<string, number>, releaseRule?: ReleaseRule | null, openDays: number}} Slot
 * @typedef {{id: number, code: string, name: string, modality: string, department: string, institutionId?: number | null,
 *   stationAETitle: string, devices: string, active: boolean}} Queue
 * @typedef {'daily' | 'weekday' | 'cycle' | 'holiday' | 'date'} TemplateKind
 * @typedef {{id: number, queueId: number, kind: TemplateKind, weekday?: number | null, onDate?: string | null, cycleId?: number | null,
 *   startTime: string, endTime: string, capacity: number, quotas: Quota[], releaseRule?: ReleaseRule | null, openDays: number}} Template
 * @typedef {{id: number, orderItemId: number, queueId: number, date: string, startTime: string, status: string, channel: string,
 *   heldUntil?: string | null, performingDoctor: string, bookedBy: string, checkedInAt?: string | null,
 *   slots: {slotId: number, startTime: string, units: number}[], accessionNumber?: string | null, studyInstanceUID?: string | null}} Appointment
 * @typedef {{appointment: Appointment, patientId: string, patientName: string, sex: string, birthDate: string, orderNo: string,
 *   itemName: string, modality: string, source: string, priority: string, queueName: string}} AppointmentEntry
 * @typedef {{id: number, department: string, modality: string, prefix: string, dateFormat: string, sequenceLength: number,
 *   suffix: string, reset: string, example: string}} ExamNumberRule
 * @typedef {{patientId: string, name: string, sex: string, noShows: number, blacklistedUntil?: string | null, blacklistReason: string,
 *   source: string, phone: string}} BlacklistedPatient
 * @typedef {{channel: string, channelName: string, bookings: number, checkedIn: number, noShows: number, cancelled: number}} ChannelStats
 * @typedef {'free' | 'tight' | 'full' | 'closed'} Fill
 */

/**
 * The server's default time zone (YUNYING_TIMEZONE unset): only a fallback for when GET /api/scheduling/settings
 * cannot be read (a user without registration.manage, a network error). "Today" of the booking pages is the hospital's
 * (the server's `today`), not the browser's.
 */
export const HOSPITAL_TIME_ZONE = 'Asia/Shanghai';

/** Template kinds in the order of their precedence, highest first (SlotCalendar.swift). */
export const TEMPLATE_KINDS = /** @type {TemplateKind[]} */ (['date', 'holiday', 'cycle', 'weekday', 'daily']);
/** The order the 号源管理 page lists them in: the everyday timetable first, exceptions after. */
export const KIND_DISPLAY_ORDER = /** @type {TemplateKind[]} */ (['daily', 'weekday', 'cycle', 'holiday', 'date']);
export const QUOTA_DIMENSIONS = ['orderType', 'examClass', 'source', 'channelGroup'];
/** Values of the channelGroup dimension: `online` = the self-service channels (kiosk, app, WeChat, Alipay, website). */
export const CHANNEL_GROUPS = ['online', 'desk'];
/** A reservation is released at most this many hours before its slot (the server's range 0–168). */
export const RELEASE_HOURS_MAX = 168;
export const PATIENT_SOURCES = ['outpatient', 'inpatient', 'emergency', 'physical', 'external', 'subordinate'];
export const CHANNELS = ['clinician', 'ward', 'kiosk', 'app', 'wechat', 'alipay', 'desk', 'room', 'cashier', 'website', 'his'];
export const DATE_FORMATS = ['', 'yyyyMMdd', 'yyMMdd', 'yyyyMM', 'yyMM', 'yyyy', 'yy'];
export const RESETS = ['daily', 'monthly', 'yearly', 'never'];
/** DICOM Accession Number (SH): at most 16 characters. */
export const EXAM_NUMBER_MAX = 16;

/** A slot this full (used / capacity) or more is 紧张. */
export const TIGHT_RATIO = 0.75;

// ---------------------------------------------------------------- dates

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * Today in the hospital's time zone, `YYYY-MM-DD`.
 * @param {Date} [now]
 * @param {string} [timeZone]
 */
export function hospitalToday(now = new Date(), timeZone = HOSPITAL_TIME_ZONE) {
  return hospitalClock(now, timeZone).date;
}

/**
 * Date and time of day in the hospital's time zone: {date: 'YYYY-MM-DD', time: 'HH:MM'}.
 * @param {Date} [now]
 * @param {string} [timeZone]
 */
export function hospitalClock(now = new Date(), timeZone = HOSPITAL_TIME_ZONE) {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
    /** @param {string} type */
    const get = (type) => parts.find((p) => p.type === type)?.value || '00';
    return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
  } catch {
    return { date: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`, time: `${pad(now.getHours())}:${pad(now.getMinutes())}` };
  }
}

/**
 * @typedef {{timeZone: string, today: string, horizonDays: number}} SchedSettings GET /api/scheduling/settings
 * @typedef {object} HospitalClock the hospital's calendar as the booking pages use it
 * @property {string} timeZone
 * @property {number} horizonDays
 * @property {boolean} fromServer false when the settings could not be read (default zone, browser clock)
 * @property {(now?: Date) => string} today YYYY-MM-DD
 * @property {(now?: Date) => {date: string, time: string}} clock date and HH:MM
 * @property {(iso: string | null | undefined) => string} dateTime an instant (ISO) as "YYYY-MM-DD HH:MM" in the zone
 */

/** @param {unknown} zone */
function validZone(zone) {
  if (typeof zone !== 'string' || !zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The hospital's clock from the server's settings. The time zone formats times; the server's `today` is the date: the
 * difference in whole days between it and the browser clock read in that zone (a browser clock that is off) is kept,
 * so a page left open past midnight still moves on to the next day. Without (valid) settings: the default zone and
 * the browser clock.
 * @param {Partial<SchedSettings> | null | undefined} settings
 * @param {Date} [fetchedAt] when the settings were read
 * @returns {HospitalClock}
 */
export function hospitalClockFrom(settings, fetchedAt = new Date()) {
  const fromServer = Boolean(settings && validZone(settings.timeZone) && isIsoDate(settings.today || ''));
  const timeZone = settings && validZone(settings.timeZone) ? String(settings.timeZone) : HOSPITAL_TIME_ZONE;
  const offset = fromServer ? Math.round((utc(String(settings?.today)).getTime() - utc(hospitalToday(fetchedAt, timeZone)).getTime()) / 86_400_000) : 0;
  const horizon = Number(settings?.horizonDays);
  return {
    timeZone,
    horizonDays: Number.isInteger(horizon) && horizon > 0 ? horizon : 60,
    fromServer,
    today: (now = new Date()) => addDays(hospitalToday(now, timeZone), offset),
    clock: (now = new Date()) => {
      const c = hospitalClock(now, timeZone);
      return { date: addDays(c.date, offset), time: c.time };
    },
    dateTime: (iso) => {
      if (!iso) return '';
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return '';
      const c = hospitalClock(d, timeZone);
      return `${c.date} ${c.time}`;
    },
  };
}

/** @type {Promise<HospitalClock> | null} */
let clockPromise = null;

/**
 * The hospital's clock, read once per page load from GET /api/scheduling/settings (registration.manage); a failed
 * read gives the fallback clock (and is asked again next time).
 * @param {{get: (path: string, query?: Record<string, unknown>, signal?: AbortSignal) => Promise<any>}} api
 * @returns {Promise<HospitalClock>}
 */
export function loadHospitalClock(api) {
  if (!clockPromise) {
    const asked = new Date();
    clockPromise = api.get('/api/scheduling/settings').then(
      (/** @type {SchedSettings} */ s) => hospitalClockFrom(s, asked),
      () => {
        clockPromise = null;
        return hospitalClockFrom(null);
      },
    );
  }
  return clockPromise;
}

/** @param {string} text */
export function isIsoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text || ''));
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** @param {string} iso */
export function utc(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** @param {Date} d */
function isoOf(d) {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * @param {string} iso YYYY-MM-DD
 * @param {number} days may be negative
 */
export function addDays(iso, days) {
  const d = utc(iso);
  d.setUTCDate(d.getUTCDate() + days);
  return isoOf(d);
}

/**
 * ISO weekday: 1 = Monday … 7 = Sunday (the API's `weekday`).
 * @param {string} iso
 */
export function isoWeekday(iso) {
  return ((utc(iso).getUTCDay() + 6) % 7) + 1;
}

/**
 * Monday of the week of a date.
 * @param {string} iso
 */
export function weekStart(iso) {
  return addDays(iso, 1 - isoWeekday(iso));
}

/**
 * The seven dates Monday … Sunday of the week of a date.
 * @param {string} iso
 */
export function weekDates(iso) {
  const monday = weekStart(iso);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/**
 * First and last day of the month of a date (the statistics' default range).
 * @param {string} iso
 */
export function monthRange(iso) {
  const d = utc(iso);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  return { from: `${iso.slice(0, 7)}-01`, to: isoOf(last) };
}

/**
 * "HH:MM" → minutes after midnight (null when malformed).
 * @param {string} hhmm
 */
export function minutesOf(hhmm) {
  const m = /^(\d{2}):(\d{2})$/.exec(String(hhmm || ''));
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 23 && min <= 59 ? h * 60 + min : null;
}

/**
 * Minutes after midnight → "HH:MM".
 * @param {number} minutes
 */
export function clockOf(minutes) {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

// ---------------------------------------------------------------- fill

/**
 * How full a slot is: 已满 at capacity, 紧张 from TIGHT_RATIO or with one unit left, 空闲 otherwise; no slot or
 * capacity 0 is 未开放.
 * @param {{capacity: number, used: number} | null | undefined} slot
 * @returns {Fill}
 */
export function fillOf(slot) {
  if (!slot || !(slot.capacity > 0)) return 'closed';
  if (slot.used >= slot.capacity) return 'full';
  if (slot.used / slot.capacity >= TIGHT_RATIO || slot.capacity - slot.used <= 1) return 'tight';
  return 'free';
}

/**
 * CSS class of a fill.
 * @param {Fill} fill
 */
export function fillClass(fill) {
  return `fill-${fill}`;
}

/**
 * Used share 0…100 for the bar of a slot.
 * @param {{capacity: number, used: number}} slot
 */
export function usePercent(slot) {
  if (!(slot.capacity > 0)) return 0;
  return Math.min(100, Math.round((slot.used / slot.capacity) * 100));
}

/**
 * Sum of a day's (or any list's) slots.
 * @param {{capacity: number, used: number}[]} slots
 */
export function totals(slots) {
  let capacity = 0;
  let used = 0;
  for (const s of slots) {
    capacity += s.capacity;
    used += s.used;
  }
  return { capacity, used, free: Math.max(0, capacity - used), fill: slots.length ? fillOf({ capacity, used }) : /** @type {Fill} */ ('closed') };
}

// ---------------------------------------------------------------- week grid

/**
 * @typedef {{startTime: string, endTime: string, cells: (Slot | null)[]}} WeekRow
 * @typedef {{dates: string[], rows: WeekRow[], days: {date: string, weekday: number, capacity: number, used: number, free: number, fill: Fill, open: boolean}[]}} WeekGrid
 */

/**
 * 7 columns × time rows: every distinct start time of the week is a row (sorted), each cell the slot of that day
 * starting then, or null (未开放). A day without slots is closed (该日无号源: weekend, holiday …).
 * @param {Slot[]} slots slots of the week (others are ignored)
 * @param {string[]} dates the seven dates
 * @returns {WeekGrid}
 */
export function buildWeekGrid(slots, dates) {
  const index = new Map(dates.map((d, i) => [d, i]));
  /** @type {Map<string, WeekRow>} */
  const rows = new Map();
  for (const slot of slots) {
    const col = index.get(slot.date);
    if (col === undefined) continue;
    let row = rows.get(slot.startTime);
    if (!row) {
      row = { startTime: slot.startTime, endTime: slot.endTime, cells: dates.map(() => null) };
      rows.set(slot.startTime, row);
    }
    // Slots of different days starting together may end differently; the row shows the longest.
    if (slot.endTime > row.endTime) row.endTime = slot.endTime;
    row.cells[col] = slot;
  }
  const sorted = [...rows.values()].sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0));
  const days = dates.map((date, i) => {
    const mine = sorted.map((r) => r.cells[i]).filter((s) => s !== null);
    const sum = totals(/** @type {Slot[]} */ (mine));
    return { date, weekday: isoWeekday(date), ...sum, open: mine.length > 0 };
  });
  return { dates, rows: sorted, days };
}

// ---------------------------------------------------------------- day view

/** Statuses that hold units of a slot (shown in the day view); cancelled/expired ones gave theirs back. */
export const ACTIVE_STATUSES = ['held', 'booked', 'checked-in', 'no-show'];

/**
 * The slots of a day with the appointments in each (an appointment spanning several slots is listed in each).
 * @param {Slot[]} slots
 * @param {AppointmentEntry[]} entries
 * @param {{includeInactive?: boolean}} [options] also list cancelled and expired appointments
 */
export function slotsWithAppointments(slots, entries, options = {}) {
  /** @type {Map<number, AppointmentEntry[]>} */
  const bySlot = new Map();
  for (const entry of entries) {
    if (!options.includeInactive && !ACTIVE_STATUSES.includes(entry.appointment.status)) continue;
    for (const part of entry.appointment.slots || []) {
      const list = bySlot.get(part.slotId) || [];
      list.push(entry);
      bySlot.set(part.slotId, list);
    }
  }
  return [...slots]
    .sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0))
    .map((slot) => ({ slot, fill: fillOf(slot), appointments: bySlot.get(slot.id) || [] }));
}

/**
 * The quotas of a slot with their use: [{dimension, value, max, used, reserve, released}]. A reservation (reserve)
 * is released `releaseHoursBefore` hours before the slot starts (hospital time); `released` says whether that moment
 * has come by `now` ({date, time} in the hospital's zone); caps are never released.
 * @param {Pick<Slot, 'quotas' | 'quotaUse'> & Partial<Pick<Slot, 'date' | 'startTime'>>} slot
 * @param {{date: string, time: string}} [now]
 */
export function quotaUse(slot, now) {
  return (slot.quotas || []).map((q) => {
    const reserve = q.reserve === true;
    const released = reserve && now && slot.date && slot.startTime ? reservationReleased(slot.date, slot.startTime, q.releaseHoursBefore || 0, now) : false;
    return { ...q, reserve, released, used: (slot.quotaUse || {})[`${q.dimension}=${q.value}`] || 0 };
  });
}

/**
 * Whether a reservation of a slot starting `date` `startTime` has been released by `now` (both hospital time): from
 * `hours` hours before the start the unused part is everyone's.
 * @param {string} date @param {string} startTime @param {number} hours @param {{date: string, time: string}} now
 */
export function reservationReleased(date, startTime, hours, now) {
  const start = utc(date).getTime() + (minutesOf(startTime) || 0) * 60_000;
  const at = utc(now.date).getTime() + (minutesOf(now.time) || 0) * 60_000;
  return at >= start - hours * 3_600_000;
}

/**
 * Holidays as date → name.
 * @param {{date: string, name: string}[]} holidays
 */
export function holidayNames(holidays) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const x of holidays || []) out[x.date] = x.name || '';
  return out;
}

/**
 * When a slot with a release rule opens to every patient: the date `openToAllDaysBefore` days before the exam.
 * @param {string} date exam date
 * @param {ReleaseRule | null | undefined} rule
 */
export function releaseDate(date, rule) {
  if (!rule || !rule.onlySources?.length) return null;
  return addDays(date, -rule.openToAllDaysBefore);
}

/**
 * Whether a release rule still restricts the slot on `today` (before the open-to-all date).
 * @param {string} date @param {ReleaseRule | null | undefined} rule @param {string} today
 */
export function releaseActive(date, rule, today) {
  const open = releaseDate(date, rule);
  return open !== null && today < open;
}

/**
 * DICOM person name → display text: the ideographic group when there is one ("Wang^Jianguo=王^建国" → 王建国).
 * @param {string | null | undefined} value
 */
export function displayName(value) {
  const groups = String(value ?? '').split('=');
  const ideographic = (groups[1] || '').split('^').map((s) => s.trim()).filter(Boolean).join('');
  if (ideographic) return ideographic;
  return (groups[0] || '').split('^').map((s) => s.trim()).filter(Boolean).join(' ');
}

// ---------------------------------------------------------------- templates

/**
 * Templates grouped by kind in display order; inside a kind by weekday / date / cycle, then start time.
 * @param {Template[]} templates
 * @returns {{kind: TemplateKind, items: Template[]}[]}
 */
export function groupTemplates(templates) {
  return KIND_DISPLAY_ORDER.map((kind) => ({
    kind,
    items: templates
      .filter((t) => t.kind === kind)
      .sort((a, b) => {
        const ka = `${a.onDate || ''}|${a.cycleId ?? ''}|${a.weekday ?? ''}|${a.startTime}`;
        const kb = `${b.onDate || ''}|${b.cycleId ?? ''}|${b.weekday ?? ''}|${b.startTime}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      }),
  }));
}

/**
 * What the template form holds (strings as typed; numbers from number inputs may arrive as strings).
 * @typedef {object} TemplateForm
 * @property {string} kind
 * @property {string | number} [weekday] '' = every day of a cycle
 * @property {string | number} [cycleId]
 * @property {string} [onDate]
 * @property {string} startTime
 * @property {string} endTime
 * @property {string | number} capacity
 * @property {{dimension: string, value: string, max: string | number, reserve?: boolean | string, releaseHoursBefore?: string | number}[]} [quotas]
 *   rows (reserve: 预留 rather than 上限); empty rows are dropped
 * @property {string[]} [onlySources] release rule: the sources served first (none = no rule)
 * @property {string | number} [openToAllDaysBefore]
 * @property {string | number} [openDays]
 */

/** @param {string | number | undefined | null} v */
const intOf = (v) => (v === '' || v === undefined || v === null ? NaN : Number(v));

/**
 * A template form → the body of POST /api/scheduling/queues/{id}/templates, and the problems found before sending
 * (field name → i18n key; the server checks everything again).
 * @param {TemplateForm} form
 * @returns {{body: Record<string, any>, problems: Record<string, {key: string, params?: Record<string, string | number>}>}}
 */
export function templateBody(form) {
  /** @type {Record<string, {key: string, params?: Record<string, string | number>}>} */
  const problems = {};
  const kind = /** @type {TemplateKind} */ (form.kind);
  /** @type {Record<string, any>} */
  const body = { kind };
  if (!TEMPLATE_KINDS.includes(kind)) problems.kind = { key: 'sched.err.kind' };
  if (kind === 'weekday' || kind === 'cycle') {
    const weekday = intOf(form.weekday);
    if (Number.isInteger(weekday) && weekday >= 1 && weekday <= 7) body.weekday = weekday;
    else if (kind === 'weekday') problems.weekday = { key: 'sched.err.weekday' };
  }
  if (kind === 'cycle') {
    const cycle = intOf(form.cycleId);
    if (Number.isInteger(cycle) && cycle > 0) body.cycleId = cycle;
    else problems.cycleId = { key: 'sched.err.cycle' };
  }
  if (kind === 'date') {
    if (isIsoDate(form.onDate || '')) body.onDate = form.onDate;
    else problems.onDate = { key: 'sched.err.date' };
  }
  body.startTime = form.startTime;
  body.endTime = form.endTime;
  const start = minutesOf(form.startTime);
  const end = minutesOf(form.endTime);
  if (start === null) problems.startTime = { key: 'sched.err.time' };
  if (end === null) problems.endTime = { key: 'sched.err.time' };
  else if (start !== null && end <= start) problems.endTime = { key: 'sched.err.order' };
  const capacity = intOf(form.capacity);
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > 500) problems.capacity = { key: 'sched.err.capacity' };
  body.capacity = Number.isInteger(capacity) ? capacity : form.capacity;
  body.quotas = [];
  (form.quotas || []).forEach((q) => {
    const value = String(q.value ?? '').trim();
    if (!value && (q.max === '' || q.max === undefined || q.max === null)) return; // an empty row
    const i = body.quotas.length;
    const max = intOf(q.max);
    if (!QUOTA_DIMENSIONS.includes(q.dimension)) problems[`quotas[${i}].dimension`] = { key: 'sched.err.dimension' };
    if (!value) problems[`quotas[${i}].value`] = { key: 'sched.err.quotaValue' };
    else if (q.dimension === 'channelGroup' && !CHANNEL_GROUPS.includes(value)) problems[`quotas[${i}].value`] = { key: 'sched.err.channelGroup' };
    if (!Number.isInteger(max) || max < 0 || (Number.isInteger(capacity) && max > capacity)) problems[`quotas[${i}].max`] = { key: 'sched.err.quotaMax' };
    /** @type {Record<string, any>} */
    const quota = { dimension: q.dimension, value, max: Number.isInteger(max) ? max : q.max };
    if (q.reserve === true || q.reserve === 'true' || q.reserve === 'reserve') {
      const hours = q.releaseHoursBefore === '' || q.releaseHoursBefore === undefined ? 0 : intOf(q.releaseHoursBefore);
      if (!Number.isInteger(hours) || hours < 0 || hours > RELEASE_HOURS_MAX) problems[`quotas[${i}].releaseHoursBefore`] = { key: 'sched.err.releaseHours' };
      quota.reserve = true;
      quota.releaseHoursBefore = Number.isInteger(hours) ? hours : q.releaseHoursBefore;
    }
    body.quotas.push(quota);
  });
  const sources = (form.onlySources || []).filter((s) => s);
  if (sources.length) {
    const days = intOf(form.openToAllDaysBefore);
    if (!Number.isInteger(days) || days < 0 || days > 60) problems['releaseRule.openToAllDaysBefore'] = { key: 'sched.err.releaseDays' };
    body.releaseRule = { onlySources: sources, openToAllDaysBefore: Number.isInteger(days) ? days : form.openToAllDaysBefore };
  }
  const openDays = form.openDays === '' || form.openDays === undefined ? 30 : intOf(form.openDays);
  if (!Number.isInteger(openDays) || openDays < 0 || openDays > 365) problems.openDays = { key: 'sched.err.openDays' };
  body.openDays = Number.isInteger(openDays) ? openDays : form.openDays;
  return { body, problems };
}

/**
 * A run of slots: from `start` to `end` every `every` minutes; a last piece shorter than `every` is left out
 * (08:00–12:00 every 30 → 8 slots 08:00–08:30 … 11:30–12:00).
 * @param {string} start @param {string} end @param {number | string} every
 * @returns {{startTime: string, endTime: string}[]}
 */
export function expandRun(start, end, every) {
  const s = minutesOf(start);
  const e = minutesOf(end);
  const step = Number(every);
  if (s === null || e === null || !Number.isInteger(step) || step < 5 || step > 720 || e <= s) return [];
  /** @type {{startTime: string, endTime: string}[]} */
  const out = [];
  for (let t = s; t + step <= e; t += step) out.push({ startTime: clockOf(t), endTime: clockOf(t + step) });
  return out;
}

/**
 * The bodies a run of slots posts: one template per slot with the same kind, capacity, quotas and rules.
 * @param {TemplateForm} form startTime/endTime are the run's bounds
 * @param {number | string} every minutes per slot
 * @returns {{bodies: Record<string, any>[], problems: Record<string, {key: string, params?: Record<string, string | number>}>}}
 */
export function runBodies(form, every) {
  const { body, problems } = templateBody(form);
  const step = Number(every);
  if (!Number.isInteger(step) || step < 5 || step > 720) problems.every = { key: 'sched.err.every' };
  const pieces = problems.startTime || problems.endTime || problems.every ? [] : expandRun(form.startTime, form.endTime, step);
  if (!problems.startTime && !problems.endTime && !problems.every && pieces.length === 0) problems.endTime = { key: 'sched.err.runEmpty' };
  return { bodies: pieces.map((p) => ({ ...body, quotas: body.quotas.map((/** @type {Quota} */ q) => ({ ...q })), ...p })), problems };
}

// ---------------------------------------------------------------- cycles, holidays

/**
 * `MM-DD` (a real day of some year; 02-29 allowed).
 * @param {string} text
 */
export function isMonthDay(text) {
  const m = /^(\d{2})-(\d{2})$/.exec(String(text || ''));
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

// ---------------------------------------------------------------- exam numbers

/**
 * What a number made by a rule looks like (a preview while typing; the server's `example` is the authority) and its
 * length.
 * @param {{prefix?: string, dateFormat?: string, sequenceLength?: number | string, suffix?: string}} rule
 * @param {string} today YYYY-MM-DD (hospital date)
 */
export function examNumberPreview(rule, today) {
  const [y, m, d] = today.split('-');
  const fmt = rule.dateFormat ?? 'yyyyMMdd';
  /** @type {Record<string, string>} */
  const dates = { '': '', yyyyMMdd: y + m + d, yyMMdd: y.slice(2) + m + d, yyyyMM: y + m, yyMM: y.slice(2) + m, yyyy: y, yy: y.slice(2) };
  const length = Math.max(0, Math.min(20, Number(rule.sequenceLength) || 0));
  const seq = length ? '1'.padStart(length, '0') : '';
  const text = String(rule.prefix || '').toUpperCase() + (dates[fmt] ?? '') + seq + String(rule.suffix || '').toUpperCase();
  return { text, length: String(rule.prefix || '').length + fmt.length + length + String(rule.suffix || '').length };
}

/**
 * The rule form → the body of PUT /api/scheduling/exam-number-rules.
 * @param {{department?: string, modality?: string, prefix?: string, dateFormat?: string, sequenceLength?: string | number, suffix?: string, reset?: string}} form
 */
export function examRuleBody(form) {
  return {
    department: String(form.department || '').trim(),
    modality: String(form.modality || '').trim().toUpperCase(),
    prefix: String(form.prefix || '').trim().toUpperCase(),
    dateFormat: form.dateFormat ?? 'yyyyMMdd',
    sequenceLength: Number(form.sequenceLength),
    suffix: String(form.suffix || '').trim().toUpperCase(),
    reset: form.reset || 'daily',
  };
}

// ---------------------------------------------------------------- statistics

/**
 * Totals of the statistics rows.
 * @param {ChannelStats[]} rows
 */
export function statsTotals(rows) {
  const sum = { bookings: 0, checkedIn: 0, noShows: 0, cancelled: 0 };
  for (const r of rows) {
    sum.bookings += r.bookings;
    sum.checkedIn += r.checkedIn;
    sum.noShows += r.noShows;
    sum.cancelled += r.cancelled;
  }
  return sum;
}

/**
 * Rows of the bar chart: per channel, stacked 已登记 / 爽约 / 已取消 / 其余 (booked, not yet come) — the parts add up
 * to the bookings.
 * @param {ChannelStats[]} rows
 */
export function statsChartRows(rows) {
  return rows.map((r) => ({
    label: r.channelName || r.channel,
    values: [r.checkedIn, r.noShows, r.cancelled, Math.max(0, r.bookings - r.checkedIn - r.noShows - r.cancelled)],
  }));
}

/**
 * The Excel download of the statistics for a range (a plain link: the browser's session cookie goes with it).
 * @param {string} from @param {string} to
 */
export function statsExportUrl(from, to) {
  return `/api/scheduling/statistics/export.xlsx?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
}

/**
 * Check a statistics range: both dates valid and from ≤ to; returns the field name and i18n key of a problem.
 * @param {string} from @param {string} to
 */
export function checkStatsRange(from, to) {
  if (!isIsoDate(from)) return { field: 'from', key: 'sched.err.date' };
  if (!isIsoDate(to)) return { field: 'to', key: 'sched.err.date' };
  if (from > to) return { field: 'to', key: 'sched.err.range' };
  return null;
}

// ---------------------------------------------------------------- i18n keys (literal, so the catalogue test sees them)

export const WEEKDAY_KEYS = ['sched.wd.1', 'sched.wd.2', 'sched.wd.3', 'sched.wd.4', 'sched.wd.5', 'sched.wd.6', 'sched.wd.7'];
/** @type {Record<Fill, string>} */
export const FILL_KEYS = { free: 'sched.fill.free', tight: 'sched.fill.tight', full: 'sched.fill.full', closed: 'sched.fill.closed' };
/** @type {Record<string, string>} */
export const STATUS_KEYS = {
  held: 'sched.status.held', booked: 'sched.status.booked', 'checked-in': 'sched.status.checkedIn', cancelled: 'sched.status.cancelled',
  'no-show': 'sched.status.noShow', expired: 'sched.status.expired',
};
/** @type {Record<string, 'green' | 'gray' | 'red' | 'blue' | 'orange'>} */
export const STATUS_TONES = { held: 'orange', booked: 'blue', 'checked-in': 'green', cancelled: 'gray', 'no-show': 'red', expired: 'gray' };
/** @type {Record<string, string>} */
export const SOURCE_KEYS = {
  outpatient: 'sched.src.outpatient', inpatient: 'sched.src.inpatient', emergency: 'sched.src.emergency', physical: 'sched.src.physical',
  external: 'sched.src.external', subordinate: 'sched.src.subordinate',
};
/** @type {Record<string, string>} */
export const DIMENSION_KEYS = { orderType: 'sched.dim.orderType', examClass: 'sched.dim.examClass', source: 'sched.dim.source', channelGroup: 'sched.dim.channelGroup' };
/** @type {Record<string, string>} */
export const CHANNEL_GROUP_KEYS = { online: 'sched.group.online', desk: 'sched.group.desk' };
/** @type {Record<TemplateKind, string>} */
export const KIND_KEYS = { daily: 'sched.kind.daily', weekday: 'sched.kind.weekday', cycle: 'sched.kind.cycle', holiday: 'sched.kind.holiday', date: 'sched.kind.date' };
/** @type {Record<string, string>} */
export const RESET_KEYS = { daily: 'sched.reset.daily', monthly: 'sched.reset.monthly', yearly: 'sched.reset.yearly', never: 'sched.reset.never' };
/** @type {Record<string, string>} */
export const CHANNEL_KEYS = {
  clinician: 'sched.ch.clinician', ward: 'sched.ch.ward', kiosk: 'sched.ch.kiosk', app: 'sched.ch.app', wechat: 'sched.ch.wechat', alipay: 'sched.ch.alipay',
  desk: 'sched.ch.desk', room: 'sched.ch.room', cashier: 'sched.ch.cashier', website: 'sched.ch.website', his: 'sched.ch.his',
};
