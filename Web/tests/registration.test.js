// 登记预约 words and arithmetic (lib/registration.js): the desk's order form checks and body, ID card numbers, option
// and slot texts, statuses, the hospital's date, idempotency keys, label codes, and finding an item's appointment.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  checkOrderForm, checkCompleteForm, idCardChecksumOk, birthDateFromIdCard, sexFromIdCard, optionText, optionUnits, slotCell, optionFromSlot,
  itemStatus, appointmentStatus, appointmentStatusOf, appointmentActions, canBook, hospitalToday, hospitalNow, addDays, dateWithWeekday, patientAge,
  queuesFor, newIdempotencyKey, labelCode, preparationFor, ITEM_CATALOG, catalogModalities, findAppointment, pickAppointment, sourceText, sexText,
  slipPreparations, mergeText,
} from '../lib/registration.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const t = createTranslator(CATALOGS, 'zh-CN');
const en = createTranslator(CATALOGS, 'en');

/** @returns {import('../lib/registration.js').OrderFormValues} */
const form = (over = {}) => ({
  placeholder: false,
  patientId: 'P001',
  name: '周敏',
  sex: 'F',
  birthDate: '1985-06-21',
  idCard: '',
  phone: '13905710021',
  cardNo: '',
  source: 'outpatient',
  department: '呼吸内科',
  requestingDoctor: '郑丽',
  priority: 'routine',
  diagnosis: '',
  items: [{ itemCode: 'CT-CHEST', itemName: '胸部CT平扫', modality: 'ct', units: '1' }],
  ...over,
});

test('a complete desk order becomes the API body, channel desk, birth date as YYYYMMDD, empty fields left out', () => {
  const { body, problems } = checkOrderForm(form(), '2026-11-30');
  assert.deepEqual(problems, {});
  assert.deepEqual(body, {
    patient: { patientId: 'P001', name: '周敏', sex: 'F', birthDate: '19850621', phone: '13905710021' },
    source: 'outpatient',
    priority: 'routine',
    channel: 'desk',
    department: '呼吸内科',
    requestingDoctor: '郑丽',
    items: [{ itemCode: 'CT-CHEST', itemName: '胸部CT平扫', modality: 'CT', units: 1 }],
  });
});

test('problems carry the server\'s field names, so the server\'s 422 lands on the same inputs', () => {
  const { body, problems } = checkOrderForm(form({ patientId: ' ', name: '', items: [{ itemCode: '', itemName: 'x', modality: 'CT', units: '30' }] }));
  assert.equal(body, null);
  assert.deepEqual(Object.keys(problems).sort(), ['items[0].itemCode', 'items[0].units', 'patient.name', 'patient.patientId']);
  assert.equal(problems['patient.name'].key, 'validation.required');
  assert.equal(problems['items[0].units'].key, 'reg.problem.units');
  assert.equal(checkOrderForm(form({ items: [] })).problems.items.key, 'reg.problem.noItems');
  assert.equal(checkOrderForm(form({ birthDate: '2027-01-01' }), '2026-11-30').problems['patient.birthDate'].key, 'reg.problem.birthFuture');
  assert.equal(checkOrderForm(form({ phone: 'abc' })).problems['patient.phone'].key, 'reg.problem.phone');
});

test('a placeholder order (phone booking) needs no patient ID', () => {
  const { body, problems } = checkOrderForm(form({ placeholder: true, patientId: '' }));
  assert.deepEqual(problems, {});
  assert.equal(body?.placeholder, true);
  assert.equal(body?.patient.patientId, undefined);
});

test('ID card numbers: the check character (GB 11643) is the desk\'s check; the length is left to the server', () => {
  assert.ok(idCardChecksumOk('330102198506210023'));
  assert.ok(idCardChecksumOk('11010519491231002X'));
  assert.ok(!idCardChecksumOk('33010219850621002X'));
  assert.equal(checkOrderForm(form({ idCard: '33010219850621002X' })).problems['patient.idCard'].key, 'reg.problem.idCardChecksum');
  // 17 digits: no desk problem, the server answers 身份证号应为 18 位 under the same field.
  assert.deepEqual(checkOrderForm(form({ idCard: '33010219850621002' })).problems, {});
  assert.equal(checkOrderForm(form({ idCard: '11010519491231002x' })).body?.patient.idCard, '11010519491231002X');
  assert.equal(birthDateFromIdCard('330102198506210023'), '19850621');
  assert.equal(sexFromIdCard('330102198506210023'), 'F');
  assert.equal(sexFromIdCard('11010519491231001X'.slice(0, 16) + '3X'), 'M');
  assert.equal(birthDateFromIdCard('123'), '');
});

test('补全患者信息 needs a patient ID and name and gives the patient part only', () => {
  const { body, problems } = checkCompleteForm({ patientId: '', name: '', sex: '', birthDate: '', idCard: '', phone: '', cardNo: '' });
  assert.equal(body, null);
  assert.deepEqual(Object.keys(problems).sort(), ['patient.name', 'patient.patientId']);
  assert.deepEqual(checkCompleteForm({ patientId: 'P9', name: '李四', sex: 'm', birthDate: '', idCard: '', phone: '', cardNo: '6222' }).body, {
    patientId: 'P9', name: '李四', sex: 'M', cardNo: '6222',
  });
});

test('booking options read as the desk says them; an exam larger than a slot takes several', () => {
  const one = { date: '2026-11-30', startTime: '08:00', endTime: '08:30', parts: [{ slotId: 1, units: 1 }], free: 5 };
  const two = { date: '2026-11-30', startTime: '08:00', endTime: '09:00', parts: [{ slotId: 1, units: 3 }, { slotId: 2, units: 1 }], free: 0 };
  assert.equal(optionText(one, t), '08:00–08:30');
  assert.equal(optionText(two, t), '08:00–09:00，占 2 个时段');
  assert.equal(optionText(two, en), '08:00–09:00, 2 slots');
  assert.equal(optionUnits(two), 4);
});

test('a slot of the day grid: used/capacity, and the server\'s reason when the item cannot go there', () => {
  const slot = { id: 7, date: '2026-11-30', startTime: '08:00', endTime: '08:30', capacity: 6, used: 6 };
  assert.deepEqual(slotCell({ slot, refusal: '该时段剩余 0 个单位，不足 1 个' }), {
    id: 7, time: '08:00–08:30', usage: '6/6', free: 0, full: true, bookable: false, reason: '该时段剩余 0 个单位，不足 1 个',
  });
  const open = slotCell({ slot: { ...slot, used: 2 }, refusal: null });
  assert.equal(open.bookable, true);
  assert.equal(open.reason, '');
  assert.deepEqual(optionFromSlot({ slot: { ...slot, used: 2 } }, 2).parts, [{ slotId: 7, units: 2 }]);
});

test('statuses: badges for items and appointments, and what the desk may do', () => {
  assert.deepEqual(['ordered', 'held', 'booked', 'registered', 'no-show'].map((s) => t(itemStatus(s).key)), ['待预约', '已锁定', '已预约', '已登记', '爽约']);
  assert.equal(itemStatus('registered').tone, 'green');
  assert.equal(t(appointmentStatus('cancelled').key), '已取消');
  assert.equal(t(itemStatus('weird').key), '未知');
  assert.equal(appointmentStatusOf('registered'), 'checked-in');
  assert.equal(appointmentStatusOf('ordered'), null);
  assert.deepEqual(appointmentActions('booked'), { confirm: false, reschedule: true, cancel: true, checkIn: true, noShow: true, print: true });
  assert.deepEqual(appointmentActions('checked-in'), { confirm: false, reschedule: false, cancel: false, checkIn: false, noShow: false, print: true });
  assert.ok(canBook('ordered') && canBook('no-show') && !canBook('booked'));
  assert.equal(sourceText('physical', t), '体检');
  assert.equal(sexText('f', t), '女');
});

test('dates: the hospital\'s today in its time zone, day arithmetic, weekdays, age', () => {
  // 20:00 UTC on 29 November is already 30 November in Shanghai.
  assert.equal(hospitalToday(new Date('2026-11-29T20:00:00Z')), '2026-11-30');
  assert.equal(hospitalToday(new Date('2026-11-29T20:00:00Z'), 'UTC'), '2026-11-29');
  assert.equal(hospitalNow(new Date('2026-11-29T20:05:00Z')), '2026-11-30 04:05');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  assert.equal(dateWithWeekday('2026-11-30'), '2026-11-30 周一');
  assert.equal(dateWithWeekday('2026-11-30', 'en'), '2026-11-30 Mon');
  assert.equal(patientAge('19850621', '2026-11-30'), '41岁');
  assert.equal(patientAge('', '2026-11-30'), '');
});

test('queues for an item: active ones of its modality', () => {
  const queues = [
    { id: 1, modality: 'CT', active: true },
    { id: 2, modality: 'MR', active: true },
    { id: 3, modality: 'CT', active: false },
  ];
  assert.deepEqual(queuesFor(queues, 'ct').map((q) => q.id), [1]);
});

test('idempotency keys: one per booking choice, unique', () => {
  assert.equal(newIdempotencyKey(() => 'abc'), 'desk-abc');
  const a = newIdempotencyKey();
  const b = newIdempotencyKey();
  assert.notEqual(a, b);
  assert.ok(a.length <= 100);
});

test('the label carries the exam number once registered, the order number before', () => {
  assert.deepEqual(labelCode({ accessionNumber: 'CT2611300002' }, 'SQ1'), { kind: 'accession', code: 'CT2611300002' });
  assert.deepEqual(labelCode({ accessionNumber: null }, 'SQ20261130000012'), { kind: 'order', code: 'SQ20261130000012' });
});

test('the item picker: common exams per modality, unique codes, preparation for the slip', () => {
  assert.deepEqual(catalogModalities(), ['CT', 'MR', 'DR', 'US']);
  assert.equal(new Set(ITEM_CATALOG.map((c) => c.code)).size, ITEM_CATALOG.length);
  for (const name of ['胸部CT平扫', '头颅MR平扫', '胸部正侧位']) assert.ok(ITEM_CATALOG.some((c) => c.name === name), name);
  assert.ok(ITEM_CATALOG.some((c) => c.name.startsWith('上腹部超声')));
  assert.ok(ITEM_CATALOG.every((c) => c.units >= 1 && c.units <= 20 && c.code.length <= 32));
  assert.match(preparationFor({ itemCode: 'US-ABD', modality: 'US' }), /空腹/);
  assert.match(preparationFor({ itemCode: 'X', modality: 'mr' }), /金属/);
  assert.equal(preparationFor({ itemCode: 'X', modality: 'XA' }), '');
});

test('findAppointment: one request for the item\'s appointments, the live one (appointmentId) kept', async () => {
  /** @type {any[]} */
  const calls = [];
  const entry = (/** @type {number} */ id, /** @type {string} */ status, item = 42) => ({ appointment: { id, orderItemId: item, status }, queueName: 'CT 1 号机' });
  const api = {
    /** @param {string} path @param {any} query */
    async get(path, query) {
      calls.push([path, query]);
      return { items: [entry(3, 'cancelled'), entry(9, 'booked'), entry(5, 'no-show')], total: 3 };
    },
  };
  const found = await findAppointment(api, /** @type {any} */ ({ id: 42, status: 'booked', appointmentId: 9 }));
  assert.equal(found?.appointment.id, 9);
  assert.equal(found?.queueName, 'CT 1 号机');
  assert.deepEqual(calls, [['/api/scheduling/appointments', { orderItemId: 42, pageSize: 100 }]], 'one request, filtered by the item');
  // An item never booked asks nothing.
  assert.equal(await findAppointment(api, /** @type {any} */ ({ id: 42, status: 'ordered' })), null);
  assert.equal(calls.length, 1);
  // 爽约: no live appointment; the latest no-show is shown.
  assert.equal((await findAppointment(api, /** @type {any} */ ({ id: 42, status: 'no-show' })))?.appointment.id, 5);
});

test('pickAppointment: the live one by id, else the latest in the item\'s status, never another item\'s', () => {
  const e = (/** @type {number} */ id, /** @type {string} */ status, item = 7) => /** @type {any} */ ({ appointment: { id, orderItemId: item, status } });
  const entries = [e(1, 'no-show'), e(4, 'no-show'), e(6, 'booked', 8), e(2, 'cancelled')];
  assert.equal(pickAppointment(entries, /** @type {any} */ ({ id: 7, status: 'no-show' }))?.appointment.id, 4);
  assert.equal(pickAppointment(entries, /** @type {any} */ ({ id: 7, status: 'booked', appointmentId: 6 })), null, 'appointment 6 is item 8\'s');
  assert.equal(pickAppointment([e(10, 'checked-in')], /** @type {any} */ ({ id: 7, status: 'registered', appointmentId: 10 }))?.appointment.id, 10);
  assert.equal(pickAppointment([e(10, 'checked-in')], /** @type {any} */ ({ id: 7, status: 'registered' }))?.appointment.id, 10, 'a server without appointmentId still works');
  assert.equal(pickAppointment([], /** @type {any} */ ({ id: 7, status: 'booked', appointmentId: 3 })), null);
});

test('the slip\'s 注意事项: the department\'s preparation notes first, then the desk\'s default, each once', () => {
  const desk = preparationFor({ itemCode: 'CT-CHEST', modality: 'CT' });
  assert.deepEqual(slipPreparations(['携带近期肾功能化验单', ' ', '携带近期肾功能化验单'], desk), ['携带近期肾功能化验单', desk]);
  assert.deepEqual(slipPreparations(undefined, desk), [desk]);
  assert.deepEqual(slipPreparations([desk], desk), [desk]);
  assert.deepEqual(slipPreparations([], ''), []);
});

test('merge proposals read as one line with the rules that made them', () => {
  const c = (/** @type {number} */ id, /** @type {string} */ name, /** @type {string} */ rule) => ({ orderItemId: id, itemName: name, modality: 'CT', orderNo: 'SQ1', rule, reason: `「${rule}」：同日检查` });
  assert.equal(mergeText([c(1, '头颅CT平扫', '同日CT'), c(2, '胸部CT平扫', '同日CT')], t), '可与以下项目合并预约：头颅CT平扫、胸部CT平扫（规则：同日CT）');
  assert.equal(mergeText([c(1, '头颅CT平扫', 'A'), c(2, '腹部CT', 'B')], en), 'May be booked together with: 头颅CT平扫, 腹部CT (rule: A, B)');
});
