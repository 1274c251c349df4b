import test from 'node:test';
import assert from 'node:assert/strict';
import {
  hospitalToday, hospitalClock, addDays, isoWeekday, weekStart, weekDates, monthRange, isIsoDate, minutesOf, clockOf, fillOf, fillClass,
  usePercent, totals, buildWeekGrid, slotsWithAppointments, quotaUse, releaseDate, releaseActive, displayName, groupTemplates, templateBody,
  expandRun, runBodies, isMonthDay, examNumberPreview, examRuleBody, statsTotals, statsChartRows, checkStatsRange, KIND_DISPLAY_ORDER,
  hospitalClockFrom, loadHospitalClock, reservationReleased, holidayNames, statsExportUrl, HOSPITAL_TIME_ZONE,
} from '../lib/scheduling.js';

/** @typedef {import('../lib/scheduling.js').Slot} Slot */

/**
 * @param {number} id @param {string} date @param {string} start @param {number} capacity @param {number} used
 * @param {Partial<Slot>} [extra]
 * @returns {Slot}
 */
const slot = (id, date, start, capacity, used, extra = {}) => {
  const m = minutesOf(start) ?? 0;
  return { id, queueId: 1, date, startTime: start, endTime: clockOf(m + 30), capacity, used, quotas: [], quotaUse: {}, openDays: 30, ...extra };
};

test('hospital dates: today in Asia/Shanghai, not in the browser’s zone', () => {
  // 2026-11-29 20:30 UTC is already Monday 04:30 in Shanghai.
  const now = new Date(Date.UTC(2026, 10, 29, 20, 30));
  assert.equal(hospitalToday(now), '2026-11-30');
  assert.deepEqual(hospitalClock(now), { date: '2026-11-30', time: '04:30' });
  assert.equal(hospitalToday(now, 'UTC'), '2026-11-29');
  assert.equal(hospitalToday(new Date(Date.UTC(2026, 10, 29, 15, 59))), '2026-11-29');
});

test('the hospital\'s clock from GET /api/scheduling/settings: its zone, its today, a sane fallback', async () => {
  // The browser's clock says 2026-11-29 20:30 UTC; the server (YUNYING_TIMEZONE=Asia/Tokyo) says today is 2026-11-30.
  const asked = new Date(Date.UTC(2026, 10, 29, 20, 30));
  const tokyo = hospitalClockFrom({ timeZone: 'Asia/Tokyo', today: '2026-11-30', horizonDays: 90 }, asked);
  assert.equal(tokyo.fromServer, true);
  assert.equal(tokyo.timeZone, 'Asia/Tokyo');
  assert.equal(tokyo.horizonDays, 90);
  assert.equal(tokyo.today(asked), '2026-11-30');
  assert.deepEqual(tokyo.clock(asked), { date: '2026-11-30', time: '05:30' }, 'Tokyo is UTC+9');
  assert.equal(tokyo.dateTime('2026-12-01T15:10:00Z'), '2026-12-02 00:10', 'instants are shown in the hospital\'s zone');
  assert.equal(tokyo.dateTime('not a date'), '');
  // A page left open past the hospital's midnight moves on to the next day.
  assert.equal(tokyo.today(new Date(Date.UTC(2026, 10, 30, 15, 1))), '2026-12-01');
  // The server's date wins over a browser clock that is a day off (kept as the same offset later on).
  const skewed = hospitalClockFrom({ timeZone: 'UTC', today: '2026-12-01', horizonDays: 60 }, asked);
  assert.equal(skewed.today(asked), '2026-12-01');
  assert.equal(skewed.today(new Date(Date.UTC(2026, 10, 30, 1, 0))), '2026-12-02');
  // Without settings (or with nonsense): the default zone and the browser clock.
  for (const bad of [null, { timeZone: 'Mars/Olympus', today: '2026-11-30' }, { timeZone: 'UTC', today: '30.11.2026' }]) {
    const c = hospitalClockFrom(/** @type {any} */ (bad), asked);
    assert.equal(c.fromServer, false);
    assert.equal(c.today(asked), hospitalToday(asked, c.timeZone));
    assert.equal(c.horizonDays, 60);
  }
  assert.equal(hospitalClockFrom(null).timeZone, HOSPITAL_TIME_ZONE);
  // Read once; a failed read falls back and is asked again the next time.
  let calls = 0;
  const failing = { get: async () => { calls += 1; throw new Error('403'); } };
  assert.equal((await loadHospitalClock(failing)).fromServer, false);
  const working = { get: async (/** @type {string} */ path) => { calls += 1; assert.equal(path, '/api/scheduling/settings'); return { timeZone: 'Asia/Shanghai', today: hospitalToday(), horizonDays: 60 }; } };
  assert.equal((await loadHospitalClock(working)).fromServer, true);
  assert.equal((await loadHospitalClock(failing)).fromServer, true, 'kept from the first good answer');
  assert.equal(calls, 2);
});

test('date arithmetic over months, years and leap days; ISO weekdays; weeks start on Monday', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-03-01', -1), '2028-02-29');
  assert.equal(addDays('2026-11-30', -7), '2026-11-23');
  assert.equal(isoWeekday('2026-11-30'), 1, 'a Monday');
  assert.equal(isoWeekday('2026-11-29'), 7, 'a Sunday');
  assert.equal(weekStart('2026-11-29'), '2026-11-23', 'Sunday belongs to the week before');
  assert.deepEqual(weekDates('2026-12-02'), ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
  assert.deepEqual(monthRange('2026-11-30'), { from: '2026-11-01', to: '2026-11-30' });
  assert.deepEqual(monthRange('2028-02-10'), { from: '2028-02-01', to: '2028-02-29' });
  assert.ok(isIsoDate('2026-02-28') && !isIsoDate('2026-02-30') && !isIsoDate('2026-2-3') && !isIsoDate(''));
  assert.equal(minutesOf('08:30'), 510);
  assert.equal(minutesOf('24:00'), null);
  assert.equal(minutesOf('8:30'), null);
  assert.equal(clockOf(510), '08:30');
});

test('fill classes: 空闲 / 紧张 / 已满 / 未开放', () => {
  assert.equal(fillOf({ capacity: 6, used: 0 }), 'free');
  assert.equal(fillOf({ capacity: 6, used: 4 }), 'free', '4 of 6 is still under 75 %');
  assert.equal(fillOf({ capacity: 4, used: 3 }), 'tight', '75 % used');
  assert.equal(fillOf({ capacity: 10, used: 9 }), 'tight', 'one unit left');
  assert.equal(fillOf({ capacity: 2, used: 1 }), 'tight', 'one unit left of a small slot');
  assert.equal(fillOf({ capacity: 4, used: 4 }), 'full');
  assert.equal(fillOf({ capacity: 4, used: 5 }), 'full', 'overbooked is full too');
  assert.equal(fillOf({ capacity: 0, used: 0 }), 'closed');
  assert.equal(fillOf(null), 'closed');
  assert.equal(fillClass('tight'), 'fill-tight');
  assert.equal(usePercent({ capacity: 3, used: 1 }), 33);
  assert.equal(usePercent({ capacity: 0, used: 0 }), 0);
  assert.deepEqual(totals([{ capacity: 4, used: 1 }, { capacity: 4, used: 4 }]), { capacity: 8, used: 5, free: 3, fill: 'free' });
  assert.equal(totals([]).fill, 'closed');
});

test('week grid: 7 columns × the week’s start times, closed days and days without a slot at that time', () => {
  const dates = weekDates('2026-11-30');
  const slots = [
    slot(1, '2026-11-30', '08:30', 4, 4),
    slot(2, '2026-11-30', '08:00', 4, 1),
    slot(3, '2026-12-01', '08:00', 4, 3),
    slot(4, '2026-12-05', '08:00', 6, 0),
    slot(5, '2026-12-05', '13:30', 6, 0, { endTime: '14:15' }),
    slot(6, '2026-12-09', '08:00', 4, 0), // next week: ignored
  ];
  const grid = buildWeekGrid(slots, dates);
  assert.deepEqual(grid.rows.map((r) => `${r.startTime}-${r.endTime}`), ['08:00-08:30', '08:30-09:00', '13:30-14:15']);
  assert.deepEqual(grid.rows[0].cells.map((c) => (c ? c.id : null)), [2, 3, null, null, null, 4, null]);
  assert.deepEqual(grid.rows[1].cells.map((c) => fillOf(c)), ['full', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed']);
  assert.deepEqual(grid.days.map((d) => d.open), [true, true, false, false, false, true, false]);
  assert.deepEqual(grid.days.map((d) => d.weekday), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual({ used: grid.days[0].used, capacity: grid.days[0].capacity, fill: grid.days[0].fill }, { used: 5, capacity: 8, fill: 'free' });
  assert.equal(grid.days[1].fill, 'tight');
  assert.equal(buildWeekGrid([], dates).rows.length, 0);
});

test('day view: each slot with the appointments that hold units in it (multi-slot bookings in every slot)', () => {
  const slots = [slot(11, '2026-11-30', '08:30', 4, 2), slot(10, '2026-11-30', '08:00', 4, 2)];
  /** @param {number} id @param {string} status @param {number[]} slotIds */
  const entry = (id, status, slotIds) => ({
    appointment: { id, orderItemId: id, queueId: 1, date: '2026-11-30', startTime: '08:00', status, channel: 'desk', performingDoctor: '', bookedBy: '', slots: slotIds.map((s) => ({ slotId: s, startTime: '', units: 1 })) },
    patientId: `P${id}`, patientName: `Wang^Jianguo=王^建国`, sex: 'M', birthDate: '', orderNo: '', itemName: '胸部CT平扫', modality: 'CT', source: 'outpatient', priority: 'routine', queueName: 'CT1',
  });
  const rows = slotsWithAppointments(slots, [entry(1, 'booked', [10]), entry(2, 'checked-in', [10, 11]), entry(3, 'cancelled', [11]), entry(4, 'no-show', [11])]);
  assert.deepEqual(rows.map((r) => r.slot.startTime), ['08:00', '08:30'], 'in time order');
  assert.deepEqual(rows[0].appointments.map((e) => e.appointment.id), [1, 2]);
  assert.deepEqual(rows[1].appointments.map((e) => e.appointment.id), [2, 4], 'a cancelled booking gave its units back');
  assert.deepEqual(slotsWithAppointments(slots, [entry(3, 'cancelled', [11])], { includeInactive: true })[1].appointments.length, 1);
  assert.equal(displayName('Wang^Jianguo=王^建国'), '王建国');
  assert.equal(displayName('Zhang^Wei'), 'Zhang Wei');
  assert.equal(displayName(''), '');
});

test('quota use and release rules', () => {
  const s = slot(1, '2026-12-03', '08:00', 4, 2, { quotas: [{ dimension: 'orderType', value: '双胎', max: 1 }, { dimension: 'source', value: 'inpatient', max: 2 }], quotaUse: { 'orderType=双胎': 1 } });
  assert.deepEqual(quotaUse(s), [{ dimension: 'orderType', value: '双胎', max: 1, reserve: false, released: false, used: 1 }, { dimension: 'source', value: 'inpatient', max: 2, reserve: false, released: false, used: 0 }]);
  const rule = { onlySources: ['outpatient'], openToAllDaysBefore: 1 };
  assert.equal(releaseDate('2026-12-03', rule), '2026-12-02');
  assert.equal(releaseDate('2026-12-03', null), null);
  assert.equal(releaseDate('2026-12-03', { onlySources: [], openToAllDaysBefore: 1 }), null);
  assert.equal(releaseActive('2026-12-03', rule, '2026-12-01'), true);
  assert.equal(releaseActive('2026-12-03', rule, '2026-12-02'), false, 'open to all from that day on');
});

test('reservations (预留): held until N hours before the slot, then released; caps are never released', () => {
  const s = slot(1, '2026-12-03', '08:00', 4, 1, {
    quotas: [{ dimension: 'channelGroup', value: 'online', max: 2, reserve: true, releaseHoursBefore: 24 }, { dimension: 'orderType', value: '双胎', max: 1 }],
    quotaUse: { 'channelGroup=online': 1 },
  });
  const held = quotaUse(s, { date: '2026-12-02', time: '07:59' });
  assert.deepEqual(held.map((q) => [q.reserve, q.released, q.used]), [[true, false, 1], [false, false, 0]]);
  assert.deepEqual(quotaUse(s, { date: '2026-12-02', time: '08:00' }).map((q) => q.released), [true, false], 'from 24 hours before');
  assert.equal(reservationReleased('2026-12-01', '08:30', 48, { date: '2026-11-29', time: '08:29' }), false);
  assert.equal(reservationReleased('2026-12-01', '08:30', 48, { date: '2026-11-29', time: '08:30' }), true);
  assert.equal(reservationReleased('2026-12-01', '08:30', 0, { date: '2026-12-01', time: '08:29' }), false, '0 hours: held until the slot starts');
  assert.deepEqual(quotaUse(s).map((q) => q.released), [false, false], 'without a clock nothing is called released');
});

test('holidays by date; the statistics export link', () => {
  assert.deepEqual(holidayNames([{ date: '2027-01-01', name: '元旦' }, { date: '2026-12-09', name: '' }]), { '2027-01-01': '元旦', '2026-12-09': '' });
  assert.deepEqual(holidayNames(/** @type {any} */ (null)), {});
  assert.equal(statsExportUrl('2026-11-01', '2026-11-30'), '/api/scheduling/statistics/export.xlsx?from=2026-11-01&to=2026-11-30');
});

test('templates grouped by kind: 每日, 星期, 周期, 节假日, 指定日期; sorted inside a kind', () => {
  /** @param {number} id @param {any} kind @param {string} start @param {Record<string, any>} [extra] */
  const tpl = (id, kind, start, extra = {}) => ({ id, queueId: 1, kind, startTime: start, endTime: clockOf((minutesOf(start) ?? 0) + 30), capacity: 4, quotas: [], openDays: 30, ...extra });
  const groups = groupTemplates([tpl(1, 'date', '08:00', { onDate: '2027-01-02' }), tpl(2, 'daily', '08:30'), tpl(3, 'daily', '08:00'), tpl(4, 'weekday', '08:00', { weekday: 6 }), tpl(5, 'weekday', '08:00', { weekday: 2 })]);
  assert.deepEqual(groups.map((g) => g.kind), KIND_DISPLAY_ORDER);
  assert.deepEqual(groups.map((g) => g.items.map((t) => t.id)), [[3, 2], [5, 4], [], [], [1]]);
});

test('template form → request body, kind by kind', () => {
  const base = { startTime: '08:00', endTime: '08:30', capacity: '4', openDays: '30', quotas: [], onlySources: [] };
  assert.deepEqual(templateBody({ ...base, kind: 'daily', weekday: '3', onDate: '2026-12-01' }), {
    body: { kind: 'daily', startTime: '08:00', endTime: '08:30', capacity: 4, quotas: [], openDays: 30 }, problems: {},
  }, 'fields of other kinds are not sent');
  assert.equal(templateBody({ ...base, kind: 'weekday', weekday: '6' }).body.weekday, 6);
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'weekday', weekday: '' }).problems), ['weekday']);
  const cycle = templateBody({ ...base, kind: 'cycle', cycleId: '2', weekday: '' });
  assert.deepEqual([cycle.body.cycleId, cycle.body.weekday, cycle.problems], [2, undefined, {}], 'a cycle template may apply to every day of the cycle');
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'cycle', cycleId: '' }).problems), ['cycleId']);
  assert.equal(templateBody({ ...base, kind: 'date', onDate: '2027-01-01' }).body.onDate, '2027-01-01');
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'date', onDate: '2027-02-30' }).problems), ['onDate']);
  assert.deepEqual(templateBody({ ...base, kind: 'holiday', capacity: '0' }).problems, {}, 'capacity 0 closes the day');
  assert.deepEqual(templateBody({ ...base, kind: 'daily', startTime: '09:00', endTime: '08:30' }).problems, { endTime: { key: 'sched.err.order' } });
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'daily', capacity: '501' }).problems), ['capacity']);
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'daily', capacity: '2.5' }).problems), ['capacity']);
  assert.deepEqual(Object.keys(templateBody({ ...base, kind: 'nightly' }).problems), ['kind']);
});

test('template form: quota rows (empty rows dropped, named by position like the server) and the release rule', () => {
  const form = {
    kind: 'daily', startTime: '08:00', endTime: '08:30', capacity: '4', openDays: '',
    quotas: [{ dimension: 'orderType', value: ' 双胎 ', max: '1' }, { dimension: 'orderType', value: '', max: '' }, { dimension: 'source', value: 'inpatient', max: '5' }],
    onlySources: ['outpatient', 'physical'], openToAllDaysBefore: '2',
  };
  const { body, problems } = templateBody(form);
  assert.deepEqual(body.quotas, [{ dimension: 'orderType', value: '双胎', max: 1 }, { dimension: 'source', value: 'inpatient', max: 5 }]);
  assert.deepEqual(problems, { 'quotas[1].max': { key: 'sched.err.quotaMax' } }, 'a quota above the capacity');
  assert.deepEqual(body.releaseRule, { onlySources: ['outpatient', 'physical'], openToAllDaysBefore: 2 });
  assert.equal(body.openDays, 30, 'empty 提前开放天数 = the server default');
  assert.equal(templateBody({ ...form, onlySources: [] }).body.releaseRule, undefined, 'no source ticked: no rule');
  assert.deepEqual(Object.keys(templateBody({ ...form, quotas: [{ dimension: 'orderType', value: '', max: '1' }] }).problems), ['quotas[0].value']);
  assert.deepEqual(Object.keys(templateBody({ ...form, quotas: [], openToAllDaysBefore: '61' }).problems), ['releaseRule.openToAllDaysBefore']);
});

test('template form: a quota is a cap (上限) or a reservation (预留) released N hours before; channel groups online/desk', () => {
  const base = { kind: 'daily', startTime: '08:00', endTime: '08:30', capacity: '4', openDays: '' };
  const { body, problems } = templateBody({
    ...base,
    quotas: [
      { dimension: 'channelGroup', value: 'online', max: '2', reserve: true, releaseHoursBefore: '24' },
      { dimension: 'orderType', value: '双胎', max: '1', reserve: false, releaseHoursBefore: '24' },
      { dimension: 'source', value: 'inpatient', max: '1', reserve: 'reserve', releaseHoursBefore: '' },
    ],
  });
  assert.deepEqual(problems, {});
  assert.deepEqual(body.quotas, [
    { dimension: 'channelGroup', value: 'online', max: 2, reserve: true, releaseHoursBefore: 24 },
    { dimension: 'orderType', value: '双胎', max: 1 },
    { dimension: 'source', value: 'inpatient', max: 1, reserve: true, releaseHoursBefore: 0 },
  ], 'a cap carries no reserve fields; an empty release time is 0 hours (held until the slot starts)');
  assert.deepEqual(templateBody({ ...base, quotas: [{ dimension: 'channelGroup', value: 'wechat', max: '1' }] }).problems, { 'quotas[0].value': { key: 'sched.err.channelGroup' } });
  assert.deepEqual(templateBody({ ...base, quotas: [{ dimension: 'examClass', value: '增强', max: '1', reserve: true, releaseHoursBefore: '169' }] }).problems, { 'quotas[0].releaseHoursBefore': { key: 'sched.err.releaseHours' } });
  assert.deepEqual(templateBody({ ...base, quotas: [{ dimension: 'examClass', value: '增强', max: '1', reserve: true, releaseHoursBefore: '1.5' }] }).problems, { 'quotas[0].releaseHoursBefore': { key: 'sched.err.releaseHours' } });
  const run = runBodies({ ...base, endTime: '09:00', quotas: [{ dimension: 'channelGroup', value: 'desk', max: '1', reserve: true, releaseHoursBefore: '2' }] }, '30');
  assert.deepEqual(run.bodies.map((b) => b.quotas), [[{ dimension: 'channelGroup', value: 'desk', max: 1, reserve: true, releaseHoursBefore: 2 }], [{ dimension: 'channelGroup', value: 'desk', max: 1, reserve: true, releaseHoursBefore: 2 }]]);
});

test('a run of slots: 08:00–12:00 every 30 minutes is 8 templates with the same capacity, quota and rules', () => {
  assert.equal(expandRun('08:00', '12:00', 30).length, 8);
  assert.deepEqual(expandRun('08:00', '09:10', 30), [{ startTime: '08:00', endTime: '08:30' }, { startTime: '08:30', endTime: '09:00' }], 'a short last piece is left out');
  assert.deepEqual(expandRun('13:30', '17:00', 45).map((p) => p.startTime), ['13:30', '14:15', '15:00', '15:45']);
  assert.deepEqual(expandRun('12:00', '08:00', 30), []);
  assert.deepEqual(expandRun('08:00', '12:00', 0), []);
  const { bodies, problems } = runBodies({ kind: 'weekday', weekday: '2', startTime: '08:00', endTime: '10:00', capacity: '4', openDays: '14', quotas: [{ dimension: 'orderType', value: '双胎', max: '1' }], onlySources: ['outpatient'], openToAllDaysBefore: '1' }, '30');
  assert.deepEqual(problems, {});
  assert.equal(bodies.length, 4);
  assert.deepEqual(bodies[3], { kind: 'weekday', weekday: 2, startTime: '09:30', endTime: '10:00', capacity: 4, quotas: [{ dimension: 'orderType', value: '双胎', max: 1 }], releaseRule: { onlySources: ['outpatient'], openToAllDaysBefore: 1 }, openDays: 14 });
  bodies[0].quotas[0].max = 99;
  assert.equal(bodies[1].quotas[0].max, 1, 'each body has its own quota objects');
  assert.deepEqual(runBodies({ kind: 'daily', startTime: '08:00', endTime: '08:20', capacity: '4', quotas: [] }, '30').problems, { endTime: { key: 'sched.err.runEmpty' } });
  assert.deepEqual(Object.keys(runBodies({ kind: 'daily', startTime: '08:00', endTime: '12:00', capacity: '4', quotas: [] }, '3').problems), ['every']);
});

test('cycles: MM-DD', () => {
  assert.ok(isMonthDay('05-01') && isMonthDay('02-29') && !isMonthDay('02-30') && !isMonthDay('13-01') && !isMonthDay('5-1'));
});

test('exam-number rules: body, preview and the 16-character length', () => {
  assert.deepEqual(examRuleBody({ department: ' RAD ', modality: 'ct', prefix: 'ct-', dateFormat: 'yyMMdd', sequenceLength: '4', suffix: 'a', reset: 'monthly' }), {
    department: 'RAD', modality: 'CT', prefix: 'CT-', dateFormat: 'yyMMdd', sequenceLength: 4, suffix: 'A', reset: 'monthly',
  });
  assert.deepEqual(examRuleBody({ dateFormat: '', sequenceLength: 6 }).dateFormat, '', 'no date part is a choice, not a missing value');
  assert.deepEqual(examNumberPreview({ prefix: 'CT', dateFormat: 'yyMMdd', sequenceLength: 4, suffix: '' }, '2026-11-30'), { text: 'CT2611300001', length: 12 });
  assert.deepEqual(examNumberPreview({ prefix: 'ctx', dateFormat: 'yyyyMMdd', sequenceLength: 6, suffix: '' }, '2026-11-30'), { text: 'CTX20261130000001', length: 17 });
  assert.equal(examNumberPreview({ prefix: '', dateFormat: '', sequenceLength: 3, suffix: 'Z' }, '2026-11-30').text, '001Z');
});

test('statistics: totals, stacked chart rows that add up to the bookings, and the range check', () => {
  const rows = [
    { channel: 'desk', channelName: '预约中心', bookings: 5, checkedIn: 2, noShows: 1, cancelled: 1 },
    { channel: 'wechat', channelName: '微信公众号', bookings: 2, checkedIn: 0, noShows: 0, cancelled: 0 },
  ];
  assert.deepEqual(statsTotals(rows), { bookings: 7, checkedIn: 2, noShows: 1, cancelled: 1 });
  assert.deepEqual(statsChartRows(rows), [{ label: '预约中心', values: [2, 1, 1, 1] }, { label: '微信公众号', values: [0, 0, 0, 2] }]);
  for (const r of statsChartRows(rows)) assert.equal(r.values.reduce((a, b) => a + b, 0), rows.find((x) => x.channelName === r.label)?.bookings);
  assert.equal(checkStatsRange('2026-11-01', '2026-11-30'), null);
  assert.deepEqual(checkStatsRange('2026-11-30', '2026-11-01'), { field: 'to', key: 'sched.err.range' });
  assert.deepEqual(checkStatsRange('', '2026-11-01'), { field: 'from', key: 'sched.err.date' });
});
