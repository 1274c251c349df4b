// Words and small checks for the DICOM 节点 page: service names, status kinds, directions, our own node's
// settings, C-ECHO results and the node form. Pure functions: the translator is passed in, so node tests can
// use any catalogue.

/** @typedef {(key: string, params?: Record<string, string | number | null | undefined>) => string} Translate */
/** @typedef {import('./validate.js').Problem} Problem */

/**
 * Services a calling node may be allowed (GET /api/dicom/status `services`, ApplicationEntityService.services),
 * in the order the server lists them, with the DIMSE name shown beside the Chinese one.
 */
export const SERVICES = /** @type {const} */ (['store', 'find', 'move', 'get', 'worklist', 'mpps', 'commitment']);

/** @type {Record<string, string | null>} */
const SERVICE_CODES = { store: 'C-STORE', find: 'C-FIND', move: 'C-MOVE', get: 'C-GET', worklist: 'MWL', mpps: 'MPPS', commitment: null };

/** DIMSE status kinds of GET /api/dicom/activity (`statusKind`). */
export const STATUS_KINDS = /** @type {const} */ (['success', 'warning', 'failure', 'cancel', 'pending']);

/** Duplicate policies of YUNYING_DICOM_DUPLICATES. */
export const DUPLICATE_POLICIES = /** @type {const} */ (['keep-first', 'replace', 'reject']);

/** Operations recorded in the activity log, each with a short name `dicom.op.<operation>`. */
export const OPERATIONS = /** @type {const} */ (['C-ECHO', 'C-STORE', 'C-FIND', 'C-MOVE', 'C-GET', 'N-CREATE', 'N-SET', 'N-ACTION', 'N-EVENT-REPORT']);

/** Longest AE title (PS3.5: AE, 16 characters). */
export const AE_TITLE_MAX = 16;

/**
 * The text of `${prefix}.${code}`, or null when the catalogue has none (the translator then answers the key).
 * @param {Translate} t
 * @param {string} prefix
 * @param {string} code
 */
function lookup(t, prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? null : text;
}

/**
 * A service's name: 存储; with `withCode`, 存储（C-STORE） (the form, where the DIMSE name helps to match the
 * device's settings). Unknown codes are shown as they are.
 * @param {Translate} t
 * @param {string} code
 * @param {boolean} [withCode]
 */
export function serviceLabel(t, code, withCode = false) {
  const label = lookup(t, 'dicom.service', code) ?? code;
  const dimse = SERVICE_CODES[code];
  return withCode && dimse ? t('dicom.serviceWithCode', { label, code: dimse }) : label;
}

/**
 * The DIMSE name of a service (C-STORE, MWL …), or null when it has none worth showing.
 * @param {string} code
 */
export function serviceCode(code) {
  return SERVICE_CODES[code] ?? null;
}

/**
 * How a node's services are summarised in the table: every service → one "全部服务" tag, none → the node is only a
 * destination we send to, otherwise one tag per service in the server's order.
 * @param {string[] | null | undefined} services
 * @returns {{all: true} | {none: true} | {codes: string[]}}
 */
export function summariseServices(services) {
  const given = new Set(services || []);
  if (given.size === 0) return { none: true };
  if (SERVICES.every((s) => given.has(s))) return { all: true };
  const known = SERVICES.filter((s) => given.has(s));
  const unknown = [...given].filter((s) => !(/** @type {readonly string[]} */ (SERVICES)).includes(s));
  return { codes: [...known, ...unknown] };
}

/**
 * Badge colour of a DIMSE status kind.
 * @param {string} kind
 * @returns {'green' | 'orange' | 'red' | 'gray' | 'blue'}
 */
export function statusTone(kind) {
  switch (kind) {
    case 'success':
      return 'green';
    case 'warning':
      return 'orange';
    case 'failure':
      return 'red';
    case 'pending':
      return 'blue';
    default:
      return 'gray';
  }
}

/**
 * Extra class of an activity row: failures and warnings stand out in the list.
 * @param {string} kind
 */
export function statusRowClass(kind) {
  if (kind === 'failure') return 'row-failure';
  if (kind === 'warning') return 'row-warning';
  return '';
}

/**
 * The 结果 cell of an activity record. Chinese: the server's plain-Chinese text, with the status code as the
 * second line. English: the status code and the kind (the server's text is Chinese only).
 * @param {Translate} t
 * @param {{status?: number, statusHex?: string, statusKind?: string, statusText?: string}} entry
 * @param {string} lang
 * @returns {{tone: ReturnType<typeof statusTone>, main: string, code: string}}
 */
export function activityStatus(t, entry, lang) {
  const kind = entry.statusKind || 'failure';
  const code = entry.statusHex || (typeof entry.status === 'number' ? `0x${entry.status.toString(16).toUpperCase().padStart(4, '0')}` : '');
  const kindText = lookup(t, 'dicom.kind', kind) ?? kind;
  const main = lang === 'en' ? kindText : entry.statusText || kindText;
  return { tone: statusTone(kind), main, code };
}

/**
 * Short name of a DIMSE operation (C-STORE → 存储; the live associations name messages, C-ECHO-RQ → 连接测试),
 * or null for operations without one.
 * @param {Translate} t
 * @param {string} operation
 */
export function operationLabel(t, operation) {
  return lookup(t, 'dicom.op', operation.replace(/-(RQ|RSP)$/, ''));
}

/**
 * 入站 / 出站 for "in" / "out" (an association or a DIMSE exchange started by the other side, or by us).
 * @param {Translate} t
 * @param {string} direction
 */
export function directionLabel(t, direction) {
  return lookup(t, 'dicom.dir', direction) ?? direction;
}

/**
 * What 入站 / 出站 means, for a tooltip.
 * @param {Translate} t
 * @param {string} direction
 */
export function directionHint(t, direction) {
  return lookup(t, 'dicom.dirHint', direction) ?? '';
}

/**
 * Our duplicate policy in words (保留首份 / 替换 / 拒绝), and the sentence that explains it.
 * @param {Translate} t
 * @param {string} policy
 */
export function duplicatePolicyText(t, policy) {
  return { label: lookup(t, 'dicom.dup', policy) ?? policy, hint: lookup(t, 'dicom.dupHint', policy) ?? '' };
}

/**
 * The result of 测试连接 (POST …/echo) as shown in the row: the server's Chinese message, or its English one
 * (falling back to the Chinese text when it sent none), with the round-trip time on success.
 * @param {Translate} t
 * @param {{ok: boolean, milliseconds?: number, message?: string, messageEn?: string}} result
 * @param {string} lang
 * @returns {{ok: boolean, text: string, detail: string}}
 */
export function echoSummary(t, result, lang) {
  const message = (lang === 'en' ? result.messageEn || result.message : result.message || result.messageEn) || '';
  const ms = typeof result.milliseconds === 'number' ? Math.max(0, Math.round(result.milliseconds)) : null;
  if (result.ok) {
    return { ok: true, text: ms === null ? t('dicom.echoOk') : t('dicom.echoOkMs', { ms }), detail: message };
  }
  return { ok: false, text: message || t('dicom.echoFailed'), detail: message };
}

/**
 * How long an association has been open: "8 秒", "2 分 05 秒", "1 小时 02 分".
 * @param {Translate} t
 * @param {number} ms
 */
export function durationText(t, ms) {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (hours > 0) return t('dicom.duration.hm', { h: hours, m: two(minutes) });
  if (minutes > 0) return t('dicom.duration.ms', { m: minutes, s: two(seconds) });
  return t('dicom.duration.s', { s: seconds });
}

/**
 * Check the node form and build the body of POST / PUT /api/dicom/application-entities. Only what the form can
 * tell by itself is checked here (required fields, a whole-number port); the AE title's format, the port range
 * and duplicates are the server's to judge, and its messages are shown under the fields.
 * @param {{aeTitle: string, host: string, port: string, description: string, services: string[], active: boolean, tls?: boolean}} values
 * @returns {{payload: {aeTitle: string, host: string, port: number, description: string, services: string[], active: boolean, tls: boolean} | null, problems: Record<string, Problem>}}
 */
export function checkNodeForm(values) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  const aeTitle = values.aeTitle.trim();
  const host = values.host.trim();
  const portText = values.port.trim();
  if (!aeTitle) problems.aeTitle = { key: 'validation.required' };
  if (!host) problems.host = { key: 'validation.required' };
  let port = NaN;
  if (!portText) problems.port = { key: 'validation.required' };
  else if (!/^\d+$/.test(portText)) problems.port = { key: 'validation.integer' };
  else port = Number(portText);
  if (Object.keys(problems).length) return { payload: null, problems };
  const services = SERVICES.filter((s) => values.services.includes(s));
  return { payload: { aeTitle, host, port, description: values.description.trim(), services, active: values.active, tls: !!values.tls }, problems };
}

/** @typedef {'nodes' | 'associations' | 'activity' | 'routing' | 'outbox'} DicomTab */

/**
 * The tabs of the page the user may open, in order: 节点管理 needs dicom.nodes.manage, the two monitoring tabs
 * need monitor.view (technologists have that one only); then routing (DCM-02): 路由规则 needs dicom.nodes.manage,
 * 发送队列 monitor.view (its 重发 buttons dicom.nodes.manage as well).
 * @param {(permission: string) => boolean} can
 * @returns {DicomTab[]}
 */
export function allowedTabs(can) {
  /** @type {DicomTab[]} */
  const tabs = [];
  const manage = can('dicom.nodes.manage');
  const monitor = can('monitor.view');
  if (manage) tabs.push('nodes');
  if (monitor) tabs.push('associations', 'activity');
  if (manage) tabs.push('routing');
  if (monitor) tabs.push('outbox');
  return tabs;
}
