// Words and small checks for routing (DCM-02) on the DICOM 节点 page: the attributes a rule's conditions test,
// conditions as a readable sentence, the rule form, outbox statuses and destination health. Pure functions: the
// translator is passed in, so node tests can use any catalogue.

/** @typedef {import('./dicom.js').Translate} Translate */
/** @typedef {import('./validate.js').Problem} Problem */
/** @typedef {'green' | 'orange' | 'red' | 'gray' | 'blue'} Tone */

/**
 * The attributes offered in a condition's 属性 select, in that order: who sent the object (`callingAE`, not a DICOM
 * attribute) and the DICOM keywords routing rules usually test. Anything else is typed under 其他属性.
 */
export const COMMON_FIELDS = /** @type {const} */ ([
  'callingAE', 'Modality', 'BodyPartExamined', 'InstitutionName', 'StationName', 'SOPClassUID', 'StudyDescription',
]);

/** The select's value for 其他属性 (a keyword or tag typed by the user). */
export const OTHER_FIELD = '*other';

/** @type {Record<string, string>} every common field's name, as literal keys (the catalogue test looks for them) */
const FIELD_KEYS = {
  callingAE: 'routing.field.callingAE',
  Modality: 'routing.field.Modality',
  BodyPartExamined: 'routing.field.BodyPartExamined',
  InstitutionName: 'routing.field.InstitutionName',
  StationName: 'routing.field.StationName',
  SOPClassUID: 'routing.field.SOPClassUID',
  StudyDescription: 'routing.field.StudyDescription',
};

/** A value to show as the placeholder of a condition's 匹配值, per common field. */
export const FIELD_EXAMPLES = /** @type {Record<string, string>} */ ({
  callingAE: 'CT*',
  Modality: 'CT\\MR',
  BodyPartExamined: 'CHEST',
  InstitutionName: '*人民医院',
  StationName: 'CT01',
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
  StudyDescription: '*胸部*',
});

/** Outbox statuses (Outbox.statuses on the server), in the order of the filter. */
export const OUTBOX_STATUSES = /** @type {const} */ (['pending', 'sending', 'done', 'dead']);

/** @type {Record<string, string>} */
const STATUS_KEYS = { pending: 'routing.status.pending', sending: 'routing.status.sending', done: 'routing.status.done', dead: 'routing.status.dead' };

/** Destination health states (DestinationHealth.state). */
export const DESTINATION_STATES = /** @type {const} */ (['ok', 'retrying', 'failing']);

/** @type {Record<string, string>} */
const STATE_KEYS = { ok: 'routing.state.ok', retrying: 'routing.state.retrying', failing: 'routing.state.failing' };

/**
 * The common field a condition's field is, spelled as we list it (`callingae` → `callingAE`), or null.
 * @param {string} field
 * @returns {string | null}
 */
export function commonField(field) {
  const f = field.trim();
  if (f.toLowerCase() === 'callingae') return 'callingAE';
  return /** @type {readonly string[]} */ (COMMON_FIELDS).includes(f) ? f : null;
}

/**
 * A condition's attribute for people: 设备类型 for Modality, the keyword itself for others, (0018,0015) for a tag.
 * @param {Translate} t
 * @param {string} field
 */
export function fieldLabel(t, field) {
  const common = commonField(field);
  if (common) return t(FIELD_KEYS[common]);
  const f = field.trim();
  if (/^[0-9A-Fa-f]{8}$/.test(f)) return `(${f.slice(0, 4).toUpperCase()},${f.slice(4).toUpperCase()})`;
  return f;
}

/**
 * What the user typed under 其他属性, as the server takes it: a keyword as written, a tag as 8 hex digits
 * (`(0010,0040)`, `0010,0040` and `0010 0040` are accepted too). Null when it is neither.
 * @param {string} text
 * @returns {string | null}
 */
export function normalizeAttribute(text) {
  const s = text.trim();
  if (/^[A-Za-z][A-Za-z0-9]*$/.test(s)) return s;
  const tag = /^\(?\s*([0-9A-Fa-f]{4})\s*[,\s]?\s*([0-9A-Fa-f]{4})\s*\)?$/.exec(s);
  return tag ? `${tag[1]}${tag[2]}`.toUpperCase() : null;
}

/**
 * The alternatives of a condition's value (`CT\MR` → CT, MR), trimmed, empty ones left out.
 * @param {string} value
 */
export function valueAlternatives(value) {
  return String(value || '')
    .split('\\')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * One condition as words: 设备类型 = CT, 设备类型 为 CT、MR 之一, 发送方 AE ≠ CT*, 设备类型 不是 CT、MR 中的任何一个.
 * @param {Translate} t
 * @param {{field: string, value: string, negate?: boolean | null}} c
 */
export function conditionText(t, c) {
  const field = fieldLabel(t, c.field);
  const values = valueAlternatives(c.value);
  if (values.length <= 1) return t(c.negate ? 'routing.cond.ne' : 'routing.cond.eq', { field, value: values[0] ?? '' });
  return t(c.negate ? 'routing.cond.notIn' : 'routing.cond.in', { field, values: values.join(t('dicom.listSep')) });
}

/**
 * All conditions of a rule as one sentence joined by 且; a rule without conditions routes everything.
 * @param {Translate} t
 * @param {{field: string, value: string, negate?: boolean | null}[] | null | undefined} conditions
 */
export function conditionsText(t, conditions) {
  if (!conditions || conditions.length === 0) return t('routing.cond.all');
  return conditions.map((c) => conditionText(t, c)).join(t('routing.cond.and'));
}

/**
 * @typedef {object} ConditionInput one row of the form
 * @property {string} field a common field, or OTHER_FIELD
 * @property {string} [other] the keyword or tag typed under 其他属性
 * @property {string} value
 * @property {boolean} [negate]
 */

/**
 * @typedef {object} RulePayload body of POST / PUT /api/routing/rules
 * @property {string} name
 * @property {string} description
 * @property {boolean} active
 * @property {{field: string, value: string, negate?: boolean}[]} conditions
 * @property {string[]} destinations
 */

/**
 * Check the rule form and build the request body. Only what the form can tell by itself: a name, a value for every
 * condition, a keyword or tag under 其他属性, at least one destination. Whether a keyword exists and whether the
 * destinations are known nodes is the server's to judge; its messages go under the same fields
 * (`conditions[0].field` …), so the names here are the server's.
 * @param {{name: string, description: string, active: boolean, conditions: ConditionInput[], destinations: string[]}} values
 * @returns {{payload: RulePayload | null, problems: Record<string, Problem>}}
 */
export function checkRuleForm(values) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  const name = values.name.trim();
  if (!name) problems.name = { key: 'validation.required' };
  /** @type {RulePayload['conditions']} */
  const conditions = [];
  values.conditions.forEach((c, n) => {
    let field = c.field;
    if (field === OTHER_FIELD) {
      const typed = (c.other || '').trim();
      const attribute = typed ? normalizeAttribute(typed) : null;
      if (!typed) problems[`conditions[${n}].field`] = { key: 'routing.rule.otherRequired' };
      else if (!attribute) problems[`conditions[${n}].field`] = { key: 'routing.rule.otherInvalid' };
      field = attribute || typed;
    }
    const value = c.value.trim();
    if (!value) problems[`conditions[${n}].value`] = { key: 'routing.rule.valueRequired' };
    conditions.push(c.negate ? { field, value, negate: true } : { field, value });
  });
  const destinations = [...new Set(values.destinations.map((d) => d.trim()).filter(Boolean))];
  if (destinations.length === 0) problems.destinations = { key: 'routing.rule.destinationsRequired' };
  if (Object.keys(problems).length) return { payload: null, problems };
  return { payload: { name, description: values.description.trim(), active: values.active, conditions, destinations }, problems };
}

/**
 * A stored condition as a form row: a common field goes in the select, anything else under 其他属性.
 * @param {{field: string, value: string, negate?: boolean | null}} c
 * @returns {Required<ConditionInput>}
 */
export function conditionToInput(c) {
  const common = commonField(c.field);
  return common ? { field: common, other: '', value: c.value, negate: !!c.negate } : { field: OTHER_FIELD, other: c.field, value: c.value, negate: !!c.negate };
}

/**
 * 待发送 / 发送中 / 已送达 / 失败（死信）; unknown statuses as they are.
 * @param {Translate} t
 * @param {string} status
 */
export function outboxStatusLabel(t, status) {
  return STATUS_KEYS[status] ? t(STATUS_KEYS[status]) : status;
}

/**
 * Badge colour of an outbox row: delivered green, dead red, waiting after a failed attempt amber (it is being
 * retried), waiting or being sent blue.
 * @param {{status: string, attempts?: number}} item
 * @returns {Tone}
 */
export function outboxStatusTone(item) {
  switch (item.status) {
    case 'done':
      return 'green';
    case 'dead':
      return 'red';
    case 'pending':
      return (item.attempts || 0) > 0 ? 'orange' : 'blue';
    case 'sending':
      return 'blue';
    default:
      return 'gray';
  }
}

/**
 * Whether 重发 is offered for an outbox row (the server requeues dead and waiting rows only).
 * @param {{status: string}} item
 */
export function canRetry(item) {
  return item.status === 'dead' || item.status === 'pending';
}

/**
 * 正常 / 重试中 / 失败 of a destination.
 * @param {Translate} t
 * @param {string} state
 */
export function destinationStateLabel(t, state) {
  return STATE_KEYS[state] ? t(STATE_KEYS[state]) : state;
}

/**
 * Badge colour of a destination's state: ok green, retrying amber, failing red.
 * @param {string} state
 * @returns {Tone}
 */
export function destinationStateTone(state) {
  if (state === 'ok') return 'green';
  if (state === 'retrying') return 'orange';
  if (state === 'failing') return 'red';
  return 'gray';
}

/**
 * A long UID cut in the middle so that a table column stays narrow: its root and its distinguishing tail
 * (1.2.840.1…4567.890.12). The full UID belongs in the title.
 * @param {string | null | undefined} uid
 * @param {number} [max] longest text returned
 */
export function shortUID(uid, max = 24) {
  const s = String(uid || '');
  if (s.length <= max) return s;
  const head = Math.max(4, Math.round(max / 3));
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}
