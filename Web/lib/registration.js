// 登记预约 (#/registration, issue #7: REG-02, REG-03, REG-13, REG-16, REG-19) words and arithmetic: the desk's order
// form and its checks (the same field names as the server's `fields` errors), the item picker, statuses → badge
// colours, booking options as the desk reads them ("08:00–09:00，占 2 个时段"), slot cells, the hospital's today,
// idempotency keys, print data for the appointment slip (with the department's preparation notes) and the barcode
// label, merge proposals. Pure functions (unit-tested) except findAppointment, which asks the server.
import { ageOn, ageText } from './dicomjson.js';
import { personName } from './archive.js';

// Shapes of the scheduling API's JSON (docs/api.md, "Registration and scheduling"); the server leaves out null fields.
/**
 * @typedef {object} SchedPatient
 * @property {number} id
 * @property {string} patientId
 * @property {string} name
 * @property {string} sex
 * @property {string} birthDate YYYYMMDD
 * @property {string} idCard
 * @property {string} phone
 * @property {string} cardNo
 * @property {string} source
 * @property {number} noShows
 * @property {string | null} [blacklistedUntil]
 * @property {string} [blacklistReason]
 */
/**
 * @typedef {object} SchedOrderItem
 * @property {number} id
 * @property {number} orderId
 * @property {string} itemCode
 * @property {string} itemName
 * @property {string} modality
 * @property {string} examClass
 * @property {string} orderType
 * @property {number} units
 * @property {string} status ordered | held | booked | registered | no-show
 * @property {string | null} [accessionNumber]
 * @property {string | null} [studyInstanceUID]
 * @property {number | null} [appointmentId] the item's live appointment
 */
/**
 * @typedef {object} SchedOrder
 * @property {number} id
 * @property {string} orderNo
 * @property {string | null} [externalId]
 * @property {SchedPatient} patient
 * @property {string} source
 * @property {string} department
 * @property {string} requestingDoctor
 * @property {string} priority
 * @property {string} channel
 * @property {string} diagnosis
 * @property {string} orderedAt
 * @property {boolean} placeholder
 * @property {string} status
 * @property {SchedOrderItem[]} items
 */
/**
 * @typedef {object} SchedAppointment
 * @property {number} id
 * @property {number} orderItemId
 * @property {number} queueId
 * @property {string} date
 * @property {string} startTime
 * @property {string} status held | booked | checked-in | cancelled | no-show | expired
 * @property {string} channel
 * @property {string | null} [heldUntil]
 * @property {string} performingDoctor
 * @property {string} bookedBy
 * @property {string | null} [checkedInAt]
 * @property {{slotId: number, startTime: string, units: number}[]} slots
 * @property {string | null} [accessionNumber]
 * @property {string | null} [studyInstanceUID]
 * @property {string[]} [preparations] notes of the department's preparation rules, for the slip
 */
/**
 * @typedef {object} SchedAppointmentEntry one row of GET /api/scheduling/appointments
 * @property {SchedAppointment} appointment
 * @property {string} patientId
 * @property {string} patientName
 * @property {string} sex
 * @property {string} birthDate
 * @property {string} orderNo
 * @property {string} itemName
 * @property {string} modality
 * @property {string} source
 * @property {string} priority
 * @property {string} queueName
 */
/**
 * @typedef {object} SchedQueue
 * @property {number} id
 * @property {string} code
 * @property {string} name
 * @property {string} modality
 * @property {string} department
 * @property {string} stationAETitle
 * @property {string} devices
 * @property {boolean} active
 */
/**
 * @typedef {object} SchedSlot
 * @property {number} id
 * @property {string} date
 * @property {string} startTime
 * @property {string} endTime
 * @property {number} capacity
 * @property {number} used
 */
/** @typedef {{slot: SchedSlot, refusal?: string | null}} SchedSlotView */
/** @typedef {{date: string, startTime: string, endTime: string, parts: {slotId: number, units: number}[], free: number}} SchedOption */
/** @typedef {{orderItemId: number, itemName: string, modality: string, orderNo: string, rule: string, reason: string}} MergeCandidate */
/** @typedef {{key: string, params?: Record<string, string | number>}} Problem */
/** @typedef {(key: string, params?: Record<string, string | number | null | undefined>) => string} Translate */

/**
 * The server's default time zone: the fallback when GET /api/scheduling/settings cannot be read (the desk takes the
 * hospital's zone and date from there, lib/scheduling.js loadHospitalClock); slot dates and times come from the server
 * as they are.
 */
export const HOSPITAL_TIME_ZONE = 'Asia/Shanghai';

export const SOURCES = /** @type {const} */ (['outpatient', 'inpatient', 'emergency', 'physical', 'external', 'subordinate']);
export const PRIORITIES = /** @type {const} */ (['routine', 'urgent', 'stat']);
export const SEXES = /** @type {const} */ (['M', 'F', 'O']);
export const ITEM_STATUSES = /** @type {const} */ (['ordered', 'held', 'booked', 'registered', 'no-show']);
export const APPOINTMENT_STATUSES = /** @type {const} */ (['held', 'booked', 'checked-in', 'no-show', 'cancelled', 'expired']);
export const CANCEL_REASONS = /** @type {const} */ (['patient', 'reschedule', 'duplicate', 'clinical']);
/** Longest texts the server keeps (its validator's maxLength). */
export const LIMITS = { patientId: 64, name: 64, itemCode: 32, itemName: 64, modality: 16 };

/**
 * @typedef {object} CatalogItem
 * @property {string} code
 * @property {string} name
 * @property {string} modality
 * @property {number} units booking units the exam usually takes
 * @property {string} [prep] preparation the patient is told on the appointment slip
 */

/** Common exams per modality for the desk's picker (the HIS sends its own codes; these are for paper orders). */
/** @type {CatalogItem[]} */
export const ITEM_CATALOG = [
  { code: 'CT-HEAD', name: '头颅CT平扫', modality: 'CT', units: 1 },
  { code: 'CT-CHEST', name: '胸部CT平扫', modality: 'CT', units: 1 },
  { code: 'CT-CHEST-LD', name: '胸部低剂量CT（肺结节筛查）', modality: 'CT', units: 1 },
  { code: 'CT-ABD', name: '上腹部CT平扫', modality: 'CT', units: 1, prep: '检查前空腹 4 小时；检查前 30 分钟按医嘱饮水。' },
  { code: 'CT-ABD-E', name: '上腹部CT增强', modality: 'CT', units: 2, prep: '检查前空腹 4 小时，需家属陪同；有碘造影剂过敏史、甲亢或肾功能不全者请提前告知。' },
  { code: 'CT-LSPINE', name: '腰椎CT平扫', modality: 'CT', units: 1 },
  { code: 'CT-CTA-COR', name: '冠状动脉CTA', modality: 'CT', units: 2, prep: '检查前空腹 4 小时，需家属陪同；心率过快者请遵医嘱服药控制心率。' },
  { code: 'MR-HEAD', name: '头颅MR平扫', modality: 'MR', units: 1 },
  { code: 'MR-HEAD-E', name: '头颅MR增强', modality: 'MR', units: 2, prep: '需家属陪同；有钆造影剂过敏史或肾功能不全者请提前告知。' },
  { code: 'MR-CSPINE', name: '颈椎MR平扫', modality: 'MR', units: 1 },
  { code: 'MR-LSPINE', name: '腰椎MR平扫', modality: 'MR', units: 1 },
  { code: 'MR-KNEE', name: '膝关节MR平扫', modality: 'MR', units: 1 },
  { code: 'MR-ABD', name: '上腹部MR平扫', modality: 'MR', units: 2, prep: '检查前空腹 6 小时；检查中需按指令屏气。' },
  { code: 'DR-CHEST', name: '胸部正侧位', modality: 'DR', units: 1 },
  { code: 'DR-CHEST-PA', name: '胸部正位', modality: 'DR', units: 1 },
  { code: 'DR-CSPINE', name: '颈椎正侧位', modality: 'DR', units: 1 },
  { code: 'DR-LSPINE', name: '腰椎正侧位', modality: 'DR', units: 1 },
  { code: 'DR-KNEE', name: '膝关节正侧位', modality: 'DR', units: 1 },
  { code: 'DR-ABD', name: '腹部立位平片', modality: 'DR', units: 1 },
  { code: 'US-ABD', name: '上腹部超声（肝胆胰脾）', modality: 'US', units: 1, prep: '检查前空腹 8 小时以上，前一天晚餐宜清淡。' },
  { code: 'US-URO', name: '泌尿系超声', modality: 'US', units: 1, prep: '检查前 1 小时饮水 500–800 毫升，憋尿至膀胱充盈。' },
  { code: 'US-THY', name: '甲状腺超声', modality: 'US', units: 1 },
  { code: 'US-BREAST', name: '乳腺超声', modality: 'US', units: 1 },
  { code: 'US-GYN', name: '妇科超声（经腹）', modality: 'US', units: 1, prep: '检查前 1 小时饮水 500–800 毫升，憋尿至膀胱充盈。' },
  { code: 'US-CAROTID', name: '颈部血管超声', modality: 'US', units: 1 },
];

/** Preparation by modality when the item has none of its own. */
export const MODALITY_PREP = /** @type {Record<string, string>} */ ({
  CT: '请携带既往影像资料；检查前取下项链、发夹、带金属的衣物；孕妇或可能怀孕者请提前告知。',
  MR: '体内有心脏起搏器、金属植入物、节育环或有幽闭恐惧症者请提前告知；进入检查室前取下手机、钥匙、磁卡等所有金属物品。',
  DR: '检查前取下检查部位的金属饰品；孕妇或可能怀孕者请提前告知。',
  US: '请按检查项目要求做好准备（空腹或憋尿）。',
});

/** Modalities of the picker, in its order. */
export function catalogModalities() {
  return [...new Set(ITEM_CATALOG.map((i) => i.modality))];
}

/**
 * The notes of the slip's 注意事项: the department's (the appointment's `preparations`, from its preparation rules)
 * first, then the desk's default for the exam; each once, blank ones left out.
 * @param {string[] | null | undefined} server
 * @param {string} desk
 * @returns {string[]}
 */
export function slipPreparations(server, desk) {
  /** @type {string[]} */
  const out = [];
  for (const note of [...(server || []), desk]) {
    const text = String(note || '').trim();
    if (text && !out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * The line the booking dialog shows over merge proposals: "可与以下项目合并预约：头颅CT平扫、胸部CT平扫（规则：同日检查）".
 * @param {MergeCandidate[]} candidates
 * @param {Translate} t
 */
export function mergeText(candidates, t) {
  const items = candidates.map((c) => c.itemName).join(t('reg.listSep'));
  const rules = [...new Set(candidates.map((c) => c.rule))].join(t('reg.listSep'));
  return t('reg.merge.text', { items, rules });
}

/**
 * The preparation text for an item (its own, else its modality's; '' when there is none).
 * @param {{itemCode?: string, modality?: string}} item
 */
export function preparationFor(item) {
  const known = ITEM_CATALOG.find((c) => c.code === item.itemCode);
  if (known?.prep) return known.prep;
  return MODALITY_PREP[String(item.modality || '').toUpperCase()] || '';
}

// ---------------------------------------------------------------- words by code

/** Text keys of the codes the API uses (written out, so that the catalogue check finds every key). */
export const SOURCE_KEYS = /** @type {Record<string, string>} */ ({
  outpatient: 'reg.source.outpatient',
  inpatient: 'reg.source.inpatient',
  emergency: 'reg.source.emergency',
  physical: 'reg.source.physical',
  external: 'reg.source.external',
  subordinate: 'reg.source.subordinate',
});
export const PRIORITY_KEYS = /** @type {Record<string, string>} */ ({ routine: 'reg.priority.routine', urgent: 'reg.priority.urgent', stat: 'reg.priority.stat' });
export const SEX_KEYS = /** @type {Record<string, string>} */ ({ M: 'reg.sex.M', F: 'reg.sex.F', O: 'reg.sex.O' });
export const CANCEL_REASON_KEYS = /** @type {Record<string, string>} */ ({
  patient: 'reg.cancel.reason.patient',
  reschedule: 'reg.cancel.reason.reschedule',
  duplicate: 'reg.cancel.reason.duplicate',
  clinical: 'reg.cancel.reason.clinical',
});
export const TAB_KEYS = /** @type {Record<string, string>} */ ({ desk: 'reg.tab.desk', day: 'reg.tab.day' });
const ITEM_KEYS = /** @type {Record<string, string>} */ ({
  ordered: 'reg.item.ordered',
  held: 'reg.item.held',
  booked: 'reg.item.booked',
  registered: 'reg.item.registered',
  'no-show': 'reg.item.no-show',
});
const APPOINTMENT_KEYS = /** @type {Record<string, string>} */ ({
  held: 'reg.appt.held',
  booked: 'reg.appt.booked',
  'checked-in': 'reg.appt.checked-in',
  'no-show': 'reg.appt.no-show',
  cancelled: 'reg.appt.cancelled',
  expired: 'reg.appt.expired',
});

/**
 * A patient source as a word (门诊, 住院 …); the code itself when unknown.
 * @param {string} source
 * @param {Translate} t
 */
export function sourceText(source, t) {
  return SOURCE_KEYS[source] ? t(SOURCE_KEYS[source]) : source;
}

/**
 * A priority as a word (普通, 加急, 危急).
 * @param {string} priority
 * @param {Translate} t
 */
export function priorityText(priority, t) {
  return PRIORITY_KEYS[priority] ? t(PRIORITY_KEYS[priority]) : priority;
}

// ---------------------------------------------------------------- statuses

const ITEM_TONES = /** @type {Record<string, 'gray' | 'orange' | 'blue' | 'green' | 'red'>} */ ({
  ordered: 'gray',
  held: 'orange',
  booked: 'blue',
  registered: 'green',
  'no-show': 'red',
});
const APPOINTMENT_TONES = /** @type {Record<string, 'gray' | 'orange' | 'blue' | 'green' | 'red'>} */ ({
  held: 'orange',
  booked: 'blue',
  'checked-in': 'green',
  'no-show': 'red',
  cancelled: 'gray',
  expired: 'gray',
});

/**
 * An order item's status as a badge: 待预约 / 已锁定 / 已预约 / 已登记 / 爽约.
 * @param {string} status
 * @returns {{key: string, tone: 'gray' | 'orange' | 'blue' | 'green' | 'red'}}
 */
export function itemStatus(status) {
  return { key: ITEM_KEYS[status] || 'reg.item.unknown', tone: ITEM_TONES[status] || 'gray' };
}

/**
 * An appointment's status as a badge.
 * @param {string} status
 * @returns {{key: string, tone: 'gray' | 'orange' | 'blue' | 'green' | 'red'}}
 */
export function appointmentStatus(status) {
  return { key: APPOINTMENT_KEYS[status] || 'reg.appt.unknown', tone: APPOINTMENT_TONES[status] || 'gray' };
}

/**
 * The appointment status that goes with an item status (to look the item's live appointment up); null for an item
 * without one (待预约).
 * @param {string} itemStatus
 */
export function appointmentStatusOf(itemStatus) {
  return itemStatus === 'held' ? 'held' : itemStatus === 'booked' ? 'booked' : itemStatus === 'registered' ? 'checked-in' : itemStatus === 'no-show' ? 'no-show' : null;
}

/**
 * What the desk can do with an appointment in a status. 爽约 is offered for every booking: the server refuses it
 * before the start time and its message is shown.
 * @param {string} status
 */
export function appointmentActions(status) {
  return {
    confirm: status === 'held',
    reschedule: status === 'held' || status === 'booked',
    cancel: status === 'held' || status === 'booked',
    checkIn: status === 'booked',
    noShow: status === 'booked',
    print: status === 'held' || status === 'booked' || status === 'checked-in',
  };
}

/**
 * An item can be booked while it has no live appointment.
 * @param {string} status
 */
export function canBook(status) {
  return status === 'ordered' || status === 'no-show';
}

// ---------------------------------------------------------------- dates

/**
 * Today in the hospital's time zone, "YYYY-MM-DD".
 * @param {Date} [now]
 * @param {string} [timeZone]
 */
export function hospitalToday(now = new Date(), timeZone = HOSPITAL_TIME_ZONE) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (/** @type {string} */ type) => parts.find((p) => p.type === type)?.value || '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * Now in the hospital's time zone, "YYYY-MM-DD HH:MM" (printed on the slip).
 * @param {Date} [now]
 * @param {string} [timeZone]
 */
export function hospitalNow(now = new Date(), timeZone = HOSPITAL_TIME_ZONE) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (/** @type {string} */ type) => parts.find((p) => p.type === type)?.value || '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/**
 * A date "YYYY-MM-DD" moved by whole days.
 * @param {string} date
 * @param {number} days
 */
export function addDays(date, days) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

const WEEKDAYS_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * "2026-11-30 周一" (or "2026-11-30 Mon").
 * @param {string} date
 * @param {string} [lang]
 */
export function dateWithWeekday(date, lang = 'zh-CN') {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '');
  if (!m) return date || '';
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  return `${date} ${(lang === 'en' ? WEEKDAYS_EN : WEEKDAYS_ZH)[day]}`;
}

/**
 * Birth date as the server keeps it (YYYYMMDD) → "1970-01-01" for a date input and for reading.
 * @param {string | null | undefined} da
 */
export function birthDateText(da) {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(String(da || ''));
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '';
}

/**
 * A patient's age today (hospital date): 45岁, 5月, 12天; '' without a birth date.
 * @param {string | null | undefined} birthDate YYYYMMDD
 * @param {string} today YYYY-MM-DD
 * @param {string} [lang]
 */
export function patientAge(birthDate, today, lang = 'zh-CN') {
  return ageText(ageOn(birthDate || '', today.replace(/-/g, '')), lang);
}

/**
 * A stored name ("Zhang^San=张^三" from the HIS, or "张三" typed at the desk) → {main, alt}.
 * @param {string | null | undefined} name
 */
export function patientName(name) {
  return personName(name);
}

// ---------------------------------------------------------------- options and slots

/**
 * The end of an option: the last part's slot end when the slots are known, else the option's own end.
 * A booking option as the desk reads it: "08:00–08:30", or for an exam larger than one slot (REG-19)
 * "08:00–09:00，占 2 个时段".
 * @param {SchedOption} option
 * @param {Translate} t
 */
export function optionText(option, t) {
  const range = `${option.startTime}–${option.endTime}`;
  const n = option.parts?.length || 1;
  return n > 1 ? t('reg.option.multi', { range, n }) : range;
}

/**
 * How many units an option takes in all.
 * @param {SchedOption} option
 */
export function optionUnits(option) {
  return (option.parts || []).reduce((sum, p) => sum + p.units, 0);
}

/**
 * A slot of the day grid for one item: "3/6" used of capacity, whether the item may go there, and if not, the
 * server's reason (refusal, in Chinese).
 * @param {SchedSlotView} view
 */
export function slotCell(view) {
  const s = view.slot;
  return {
    id: s.id,
    time: `${s.startTime}–${s.endTime}`,
    usage: `${s.used}/${s.capacity}`,
    free: Math.max(0, s.capacity - s.used),
    full: s.used >= s.capacity,
    bookable: !view.refusal,
    reason: view.refusal || '',
  };
}

/**
 * The option a slot of the grid stands for: the whole item in that one slot.
 * @param {SchedSlotView} view
 * @param {number} units
 * @returns {SchedOption}
 */
export function optionFromSlot(view, units) {
  const s = view.slot;
  return { date: s.date, startTime: s.startTime, endTime: s.endTime, parts: [{ slotId: s.id, units }], free: Math.max(0, s.capacity - s.used) };
}

/**
 * Queues that can do an item: active queues of its modality (DR items may go to a CR/DX queue only when the
 * department named it so; the desk keeps to the same modality).
 * @template {{modality: string, active: boolean}} Q
 * @param {Q[]} queues
 * @param {string} modality
 */
export function queuesFor(queues, modality) {
  const m = String(modality || '').toUpperCase();
  return queues.filter((q) => q.active && q.modality.toUpperCase() === m);
}

/**
 * A fresh idempotency key for one click on 预约: a retried or doubled request with it gets the first booking back.
 * @param {() => string} [random] UUID source (tests)
 */
export function newIdempotencyKey(random) {
  const uuid = random ? random() : typeof crypto !== 'undefined' && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `desk-${uuid}`;
}

// ---------------------------------------------------------------- the order form

/**
 * @typedef {object} OrderFormValues
 * @property {boolean} placeholder 占位申请单 (phone booking): no patient ID yet
 * @property {string} patientId
 * @property {string} name
 * @property {string} sex '' | M | F | O
 * @property {string} birthDate YYYY-MM-DD (date input) or YYYYMMDD
 * @property {string} idCard
 * @property {string} phone
 * @property {string} cardNo
 * @property {string} source
 * @property {string} department
 * @property {string} requestingDoctor
 * @property {string} priority
 * @property {string} diagnosis
 * @property {{itemCode: string, itemName: string, modality: string, units: string | number}[]} items
 */

/**
 * Check an ID card number (GB 11643-1999): 17 digits and a check character (digit or X) that matches the weighted
 * sum. The server only checks the form (18 characters); a wrong check character is a typing mistake worth a word.
 * @param {string} id
 */
export function idCardChecksumOk(id) {
  const s = String(id).toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * weights[i];
  return '10X98765432'[sum % 11] === s[17];
}

/**
 * Birth date from an ID card number (YYYYMMDD), '' when it has none.
 * @param {string} id
 */
export function birthDateFromIdCard(id) {
  const m = /^\d{6}(\d{8})\d{3}[\dXx]$/.exec(String(id).trim());
  return m ? m[1] : '';
}

/**
 * Sex from an ID card number (the 17th digit: odd = male), '' when it has none.
 * @param {string} id
 */
export function sexFromIdCard(id) {
  const m = /^\d{16}(\d)[\dXx]$/.exec(String(id).trim());
  return m ? (Number(m[1]) % 2 === 1 ? 'M' : 'F') : '';
}

/**
 * The desk's order form → the body of POST /api/scheduling/orders, or the problems under its fields. Field names
 * are the server's (`patient.idCard`, `items[0].units` …) so that its 422 answers land on the same fields.
 * @param {OrderFormValues} v
 * @param {string} [today] YYYY-MM-DD: a birth date may not be after it
 * @returns {{body: Record<string, any> | null, problems: Record<string, Problem>}}
 */
export function checkOrderForm(v, today) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  const patientId = v.patientId.trim();
  const name = v.name.trim();
  if (!v.placeholder && !patientId) problems['patient.patientId'] = { key: 'validation.required' };
  else if ([...patientId].length > LIMITS.patientId) problems['patient.patientId'] = { key: 'validation.maxLength', params: { max: LIMITS.patientId } };
  if (!name) problems['patient.name'] = { key: 'validation.required' };
  else if ([...name].length > LIMITS.name) problems['patient.name'] = { key: 'validation.maxLength', params: { max: LIMITS.name } };
  const sex = v.sex.trim().toUpperCase();
  if (sex && !SEXES.includes(/** @type {any} */ (sex))) problems['patient.sex'] = { key: 'validation.option' };
  const birth = v.birthDate.trim().replace(/-/g, '');
  if (birth && !/^\d{8}$/.test(birth)) problems['patient.birthDate'] = { key: 'reg.problem.birthDate' };
  else if (birth && today && birth > today.replace(/-/g, '')) problems['patient.birthDate'] = { key: 'reg.problem.birthFuture' };
  const idCard = v.idCard.trim().toUpperCase();
  // The form (18 characters) is the server's rule and its message; the check character is the desk's own check.
  if (/^\d{17}[\dX]$/.test(idCard) && !idCardChecksumOk(idCard)) problems['patient.idCard'] = { key: 'reg.problem.idCardChecksum' };
  const phone = v.phone.trim();
  if (phone && !/^[\d\s+-]{5,20}$/.test(phone)) problems['patient.phone'] = { key: 'reg.problem.phone' };
  if (!SOURCES.includes(/** @type {any} */ (v.source))) problems.source = { key: 'validation.option' };
  if (!PRIORITIES.includes(/** @type {any} */ (v.priority))) problems.priority = { key: 'validation.option' };
  if (v.items.length === 0) problems.items = { key: 'reg.problem.noItems' };
  else if (v.items.length > 20) problems.items = { key: 'reg.problem.tooManyItems' };
  const items = v.items.map((item, i) => {
    const code = String(item.itemCode || '').trim();
    const itemName = String(item.itemName || '').trim();
    const modality = String(item.modality || '').trim().toUpperCase();
    const unitsText = String(item.units ?? '').trim();
    const units = unitsText === '' ? 1 : Number(unitsText);
    if (!code) problems[`items[${i}].itemCode`] = { key: 'validation.required' };
    else if ([...code].length > LIMITS.itemCode) problems[`items[${i}].itemCode`] = { key: 'validation.maxLength', params: { max: LIMITS.itemCode } };
    if (!itemName) problems[`items[${i}].itemName`] = { key: 'validation.required' };
    else if ([...itemName].length > LIMITS.itemName) problems[`items[${i}].itemName`] = { key: 'validation.maxLength', params: { max: LIMITS.itemName } };
    if (!modality) problems[`items[${i}].modality`] = { key: 'validation.required' };
    if (!Number.isInteger(units) || units < 1 || units > 20) problems[`items[${i}].units`] = { key: 'reg.problem.units' };
    return { itemCode: code, itemName, modality, units };
  });
  if (Object.keys(problems).length) return { body: null, problems };
  /** @type {Record<string, any>} */
  const patient = { name };
  if (patientId) patient.patientId = patientId;
  if (sex) patient.sex = sex;
  if (birth) patient.birthDate = birth;
  if (idCard) patient.idCard = idCard;
  if (phone) patient.phone = phone;
  if (v.cardNo.trim()) patient.cardNo = v.cardNo.trim();
  /** @type {Record<string, any>} */
  const body = { patient, source: v.source, priority: v.priority, channel: 'desk', items };
  if (v.placeholder) body.placeholder = true;
  for (const key of /** @type {const} */ (['department', 'requestingDoctor', 'diagnosis'])) if (v[key].trim()) body[key] = v[key].trim();
  return { body, problems };
}

/**
 * 补全患者信息 of a placeholder order → the body of POST /api/scheduling/orders/{id}/complete.
 * @param {{patientId: string, name: string, sex: string, birthDate: string, idCard: string, phone: string, cardNo: string}} v
 * @param {string} [today]
 */
export function checkCompleteForm(v, today) {
  const { body, problems } = checkOrderForm({ ...v, placeholder: false, source: 'outpatient', priority: 'routine', department: '', requestingDoctor: '', diagnosis: '', items: [{ itemCode: 'x', itemName: 'x', modality: 'x', units: 1 }] }, today);
  return { body: body ? body.patient : null, problems };
}

// ---------------------------------------------------------------- finding an item's appointment

/**
 * Which of an item's appointments (GET /api/scheduling/appointments?orderItemId=) the desk shows: the item's live one
 * (`appointmentId`), else — for an item marked 爽约, which has none live — the latest in the status that goes with the
 * item's status.
 * @param {SchedAppointmentEntry[]} entries
 * @param {SchedOrderItem} item
 * @returns {SchedAppointmentEntry | null}
 */
export function pickAppointment(entries, item) {
  const mine = entries.filter((e) => e.appointment.orderItemId === item.id);
  if (item.appointmentId) {
    const live = mine.find((e) => e.appointment.id === item.appointmentId);
    if (live) return live;
  }
  const status = appointmentStatusOf(item.status);
  if (!status) return null;
  const same = mine.filter((e) => e.appointment.status === status).sort((a, b) => b.appointment.id - a.appointment.id);
  return same[0] || null;
}

/**
 * The appointment of an order item with its queue's name: one request for the item's appointments
 * (GET /api/scheduling/appointments?orderItemId=), then pickAppointment. null for an item that never had one.
 * @param {{get: (path: string, query?: Record<string, unknown>, signal?: AbortSignal) => Promise<any>}} api
 * @param {SchedOrderItem} item
 * @param {AbortSignal} [signal]
 * @returns {Promise<SchedAppointmentEntry | null>}
 */
export async function findAppointment(api, item, signal) {
  if (!item.appointmentId && !appointmentStatusOf(item.status)) return null;
  const answer = await api.get('/api/scheduling/appointments', { orderItemId: item.id, pageSize: 100 }, signal);
  return pickAppointment(answer.items || [], item);
}

// ---------------------------------------------------------------- printing

/**
 * What a barcode label carries: the exam number once the patient is registered, the order number before.
 * @param {{accessionNumber?: string | null}} item
 * @param {string} orderNo
 */
export function labelCode(item, orderNo) {
  return item.accessionNumber ? { kind: 'accession', code: item.accessionNumber } : { kind: 'order', code: orderNo };
}

/**
 * The sex as a word: 男 / 女 / 其他.
 * @param {string | null | undefined} sex
 * @param {Translate} t
 */
export function sexText(sex, t) {
  const s = String(sex || '').toUpperCase();
  return SEX_KEYS[s] ? t(SEX_KEYS[s]) : '';
}
