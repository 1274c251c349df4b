// 预约规则 (#/sched-rules, REG-07, REG-08, REG-10): the pure part of the page — how a rule's conditions and parameters
// read in words, and the request bodies of the editor and of 上移 / 下移. The server's rule model is
// GET /api/scheduling/rules → {items: [{id, name, kind, conditions: [{field, op, value}], params, message, position,
// active}], fields}; see docs/api.md.
import { CHANNELS, PATIENT_SOURCES, CHANNEL_KEYS, SOURCE_KEYS } from './scheduling.js';

/** @typedef {'restrict' | 'preparation' | 'conflict' | 'merge'} RuleKind */
/** @typedef {{field: string, op: string, value: string}} RuleCondition */
/** @typedef {{otherField?: string, otherValue?: string, minDays?: number, sameFields?: string[], maxDays?: number, sameItem?: boolean}} RuleParams */
/**
 * @typedef {object} BookingRule
 * @property {number} id
 * @property {string} name
 * @property {RuleKind} kind
 * @property {RuleCondition[]} conditions
 * @property {RuleParams} params
 * @property {string} message
 * @property {number} position
 * @property {boolean} active
 */
/** @typedef {(key: string, params?: Record<string, string | number>) => string} Translate */
/** @typedef {{key: string, params?: Record<string, string | number>}} Problem */

export const RULE_KINDS = /** @type {RuleKind[]} */ (['restrict', 'preparation', 'conflict', 'merge']);
export const RULE_KIND_KEYS = /** @type {Record<string, string>} */ ({
  restrict: 'rules.kind.restrict', preparation: 'rules.kind.preparation', conflict: 'rules.kind.conflict', merge: 'rules.kind.merge',
});
export const RULE_KIND_TONES = /** @type {Record<string, 'red' | 'blue' | 'orange' | 'green'>} */ ({ restrict: 'red', preparation: 'blue', conflict: 'orange', merge: 'green' });

/** The fields a condition may name, in the server's order (GET /api/scheduling/rules `fields`). */
export const RULE_FIELDS = [
  'category', 'institutionId', 'ward', 'department', 'nursingUnit', 'requestingDoctor', 'priority', 'source', 'channel',
  'performingDoctor', 'diagnosis', 'bedside', 'itemCode', 'itemName', 'modality', 'examClass', 'orderType', 'orderHour', 'bookingHour',
];
export const FIELD_KEYS = /** @type {Record<string, string>} */ ({
  category: 'rules.field.category', institutionId: 'rules.field.institutionId', ward: 'rules.field.ward', department: 'rules.field.department',
  nursingUnit: 'rules.field.nursingUnit', requestingDoctor: 'rules.field.requestingDoctor', performingDoctor: 'rules.field.performingDoctor',
  priority: 'rules.field.priority', source: 'rules.field.source', channel: 'rules.field.channel', diagnosis: 'rules.field.diagnosis',
  bedside: 'rules.field.bedside', itemCode: 'rules.field.itemCode', itemName: 'rules.field.itemName', modality: 'rules.field.modality',
  examClass: 'rules.field.examClass', orderType: 'rules.field.orderType', orderHour: 'rules.field.orderHour', bookingHour: 'rules.field.bookingHour',
});

export const RULE_OPS = ['eq', 'ne', 'in', 'contains', 'prefix'];
/** The operator in the picker: 等于, 不等于, 属于（逗号分隔）… */
export const OP_KEYS = /** @type {Record<string, string>} */ ({ eq: 'rules.op.eq', ne: 'rules.op.ne', in: 'rules.op.in', contains: 'rules.op.contains', prefix: 'rules.op.prefix' });
/** The operator in a sentence: 床旁 = 是, 预约渠道 属于 自助机、微信公众号. */
export const OP_TEXT_KEYS = /** @type {Record<string, string>} */ ({
  eq: 'rules.opText.eq', ne: 'rules.opText.ne', in: 'rules.opText.in', contains: 'rules.opText.contains', prefix: 'rules.opText.prefix',
});

export const PRIORITY_VALUES = ['routine', 'urgent', 'stat'];
const PRIORITY_VALUE_KEYS = /** @type {Record<string, string>} */ ({ routine: 'reg.priority.routine', urgent: 'reg.priority.urgent', stat: 'reg.priority.stat' });
const BEDSIDE_VALUE_KEYS = /** @type {Record<string, string>} */ ({ true: 'common.yes', false: 'common.no' });

/** Fields whose values are known: the editor offers them to pick, and the list shows their names. */
export const VALUE_CHOICES = /** @type {Record<string, string[]>} */ ({
  source: PATIENT_SOURCES,
  channel: CHANNELS,
  priority: PRIORITY_VALUES,
  bedside: ['true', 'false'],
});
const VALUE_KEYS = /** @type {Record<string, Record<string, string>>} */ ({
  source: SOURCE_KEYS, channel: CHANNEL_KEYS, priority: PRIORITY_VALUE_KEYS, bedside: BEDSIDE_VALUE_KEYS,
});

export const MIN_DAYS_RANGE = /** @type {const} */ ([1, 60]);
export const MAX_DAYS_RANGE = /** @type {const} */ ([0, 30]);

/** @param {string} field @param {Translate} t */
export function fieldLabel(field, t) {
  return FIELD_KEYS[field] ? t(FIELD_KEYS[field]) : field;
}

/**
 * One value as the page says it: 自助机 for channel kiosk, 是 for bedside true, else as it is.
 * @param {string} field @param {string} value @param {Translate} t
 */
export function valueLabel(field, value, t) {
  const key = VALUE_KEYS[field]?.[value];
  return key ? t(key) : value;
}

/**
 * The values of an `in` condition: "kiosk, wechat，app" → ['kiosk', 'wechat', 'app'] (commas of either width and 、).
 * @param {string} text
 */
export function splitValues(text) {
  return String(text ?? '')
    .split(/[,，、]/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * A condition in words: 预约渠道 属于 自助机、微信公众号; 床旁 = 是; 项目名称 包含 「增强」.
 * @param {RuleCondition} c @param {Translate} t
 */
export function conditionText(c, t) {
  const values = c.op === 'in' ? splitValues(c.value) : [c.value];
  const value = values.map((v) => valueLabel(c.field, v, t)).join(t('rules.listSep'));
  const op = OP_TEXT_KEYS[c.op] ? t(OP_TEXT_KEYS[c.op]) : c.op;
  return `${fieldLabel(c.field, t)} ${op} ${value}`;
}

/**
 * What the kind-specific parameters say: 检查分类 = 钡餐造影 之后 7 天内不可预约; 需一致：申请科室、检查类别 · 开单相隔不超过 3 天.
 * @param {{kind: string, params?: RuleParams}} rule @param {Translate} t
 * @returns {string}
 */
export function paramsText(rule, t) {
  const p = rule.params || {};
  if (rule.kind === 'conflict') {
    const other = conditionText({ field: p.otherField || '', op: 'eq', value: p.otherValue || '' }, t);
    return t('rules.params.conflictText', { other, days: p.minDays ?? 0 });
  }
  if (rule.kind === 'merge') {
    const parts = [];
    if (p.sameFields?.length) parts.push(t('rules.params.sameFieldsText', { fields: p.sameFields.map((f) => fieldLabel(f, t)).join(t('rules.listSep')) }));
    parts.push(t('rules.params.maxDaysText', { days: p.maxDays ?? 0 }));
    if (p.sameItem) parts.push(t('rules.params.sameItemText'));
    return parts.join(' · ');
  }
  return '';
}

/**
 * @typedef {object} RuleForm
 * @property {string} name
 * @property {string} kind
 * @property {{field: string, op: string, value: string}[]} conditions
 * @property {string} [otherField]
 * @property {string} [otherValue]
 * @property {string | number} [minDays]
 * @property {string[]} [sameFields]
 * @property {string | number} [maxDays]
 * @property {boolean} [sameItem]
 * @property {string} message
 * @property {boolean} [active]
 */

/** @param {unknown} v */
const intOf = (v) => (v === '' || v === undefined || v === null || !/^\s*-?\d+\s*$/.test(String(v)) ? NaN : Number(v));

/**
 * The editor's values → the body of POST / PUT /api/scheduling/rules, or the problems by field name (the server's
 * names: name, message, conditions, conditions[0].value, params.otherField, params.minDays, params.maxDays).
 * @param {RuleForm} form
 * @returns {{body: {name: string, kind: string, conditions: RuleCondition[], params: RuleParams, message: string, active: boolean} | null, problems: Record<string, Problem>}}
 */
export function ruleBody(form) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  const name = String(form.name ?? '').trim();
  const message = String(form.message ?? '').trim();
  const kind = String(form.kind ?? '');
  if (!name) problems.name = { key: 'rules.err.name' };
  if (!message) problems.message = { key: 'rules.err.message' };
  if (!RULE_KINDS.includes(/** @type {RuleKind} */ (kind))) problems.kind = { key: 'rules.err.kind' };
  /** @type {RuleCondition[]} */
  const conditions = [];
  (form.conditions || []).forEach((c, i) => {
    const op = RULE_OPS.includes(c.op) ? c.op : 'eq';
    const value = op === 'in' ? splitValues(c.value).join(',') : String(c.value ?? '').trim();
    if (!c.field) problems[`conditions[${i}].field`] = { key: 'rules.err.field' };
    if (!value) problems[`conditions[${i}].value`] = { key: 'rules.err.value' };
    conditions.push({ field: c.field, op, value });
  });
  if (kind !== 'merge' && conditions.length === 0) problems.conditions = { key: 'rules.err.conditions' };
  /** @type {RuleParams} */
  let params = {};
  if (kind === 'conflict') {
    const otherValue = String(form.otherValue ?? '').trim();
    if (!form.otherField || !otherValue) problems['params.otherField'] = { key: 'rules.err.other' };
    const minDays = intOf(form.minDays);
    if (!(minDays >= MIN_DAYS_RANGE[0] && minDays <= MIN_DAYS_RANGE[1])) problems['params.minDays'] = { key: 'rules.err.minDays', params: { min: MIN_DAYS_RANGE[0], max: MIN_DAYS_RANGE[1] } };
    params = { otherField: form.otherField || '', otherValue, minDays };
  } else if (kind === 'merge') {
    const maxDays = intOf(form.maxDays);
    if (!(maxDays >= MAX_DAYS_RANGE[0] && maxDays <= MAX_DAYS_RANGE[1])) problems['params.maxDays'] = { key: 'rules.err.maxDays', params: { min: MAX_DAYS_RANGE[0], max: MAX_DAYS_RANGE[1] } };
    params = { sameFields: [...(form.sameFields || [])], maxDays, sameItem: !!form.sameItem };
  }
  if (Object.keys(problems).length) return { body: null, problems };
  return { body: { name, kind, conditions, params, message, active: form.active !== false }, problems };
}

/**
 * 上移 / 下移: the rules in their new order and the PUTs ({id, position}) that make the server agree. Positions are
 * renumbered 1, 2, 3… so that rules sharing a position (older data) get an order too; only changed ones are sent.
 * @param {BookingRule[]} rules in the server's order
 * @param {number} index the rule moved
 * @param {-1 | 1} direction
 * @returns {{order: BookingRule[], puts: {id: number, position: number}[]}}
 */
export function reorder(rules, index, direction) {
  const order = [...rules];
  const other = index + direction;
  if (index < 0 || index >= order.length || other < 0 || other >= order.length) return { order, puts: [] };
  [order[index], order[other]] = [order[other], order[index]];
  const puts = [];
  for (let i = 0; i < order.length; i++) if (order[i].position !== i + 1) puts.push({ id: order[i].id, position: i + 1 });
  return { order, puts };
}
