// Client-side form checks. They mirror the server's rules only to give quick feedback;
// the server stays the authority and its `fields` errors are shown the same way.
// Errors are {key, params} descriptors; the views translate them with t().

/** @typedef {{key: string, params?: Record<string, string | number>}} Problem */
/**
 * @typedef {object} DictField
 * @property {string} name
 * @property {string} label
 * @property {'text'|'textarea'|'int'|'decimal'|'money'|'bool'|'enum'|'ref'} type
 * @property {boolean} [required]
 * @property {number | null} [maxLength]
 * @property {number | null} [min]
 * @property {number | null} [max]
 * @property {{value: string | number, label: string}[] | null} [options]
 * @property {string | null} [ref]
 * @property {boolean} [listed]
 */

/**
 * Length as a person counts it (code points, so 一个汉字 or an emoji is 1).
 * @param {string} text
 */
export function charLength(text) {
  return [...text].length;
}

/**
 * Parse an amount in yuan ("12", "12.5", "1,234.56", "-3.00") into integer fen, without floating-point
 * rounding. Returns null for anything that is not an amount with at most two decimals.
 * @param {string} text
 * @returns {number | null}
 */
export function yuanToFen(text) {
  const s = String(text).trim().replace(/[,，\s]/g, '');
  const m = /^(-)?(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] || '').padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) return null;
  return m[1] && fen !== 0 ? -fen : fen;
}

/**
 * Integer fen → "12.34" yuan text ('' for null/undefined).
 * @param {number | null | undefined} fen
 */
export function fenToYuan(fen) {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '';
  const negative = fen < 0;
  const abs = Math.abs(Math.round(fen));
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/**
 * Check one form value of a dictionary field and convert it to what the API expects.
 * @param {DictField} field
 * @param {string | boolean} raw input value (checkbox → boolean, everything else → string)
 * @returns {{value: unknown, problem: Problem | null}}
 */
export function checkField(field, raw) {
  if (field.type === 'bool') return { value: raw === true || raw === 'true', problem: null };
  const text = typeof raw === 'string' ? (field.type === 'textarea' ? raw : raw.trim()) : '';
  if (text.trim() === '') {
    return { value: null, problem: field.required ? { key: 'validation.required' } : null };
  }
  /** @param {number} n @param {(v: number) => string} show @returns {Problem | null} */
  const range = (n, show) => {
    if (field.min !== null && field.min !== undefined && n < field.min) return { key: 'validation.min', params: { min: show(field.min) } };
    if (field.max !== null && field.max !== undefined && n > field.max) return { key: 'validation.max', params: { max: show(field.max) } };
    return null;
  };
  switch (field.type) {
    case 'text':
    case 'textarea': {
      if (field.maxLength && charLength(text) > field.maxLength) {
        return { value: text, problem: { key: 'validation.maxLength', params: { max: field.maxLength } } };
      }
      return { value: text, problem: null };
    }
    case 'int': {
      if (!/^-?\d+$/.test(text)) return { value: null, problem: { key: 'validation.integer' } };
      const n = Number(text);
      return { value: n, problem: range(n, String) };
    }
    case 'decimal': {
      if (!/^-?\d+(\.\d+)?$/.test(text)) return { value: null, problem: { key: 'validation.number' } };
      const n = Number(text);
      return { value: n, problem: range(n, String) };
    }
    case 'money': {
      const fen = yuanToFen(text);
      if (fen === null) return { value: null, problem: { key: 'validation.money' } };
      return { value: fen, problem: range(fen, fenToYuan) };
    }
    case 'enum': {
      const option = (field.options || []).find((o) => String(o.value) === text);
      if (!option) return { value: null, problem: { key: 'validation.option' } };
      return { value: option.value, problem: null };
    }
    case 'ref': {
      if (!/^\d+$/.test(text)) return { value: null, problem: { key: 'validation.option' } };
      return { value: Number(text), problem: null };
    }
    default:
      return { value: text, problem: null };
  }
}

/**
 * Check a whole dictionary form.
 * @param {DictField[]} fields
 * @param {Record<string, string | boolean>} values
 * @returns {{payload: Record<string, unknown>, problems: Record<string, Problem>}}
 */
export function checkRecord(fields, values) {
  /** @type {Record<string, unknown>} */
  const payload = {};
  /** @type {Record<string, Problem>} */
  const problems = {};
  for (const field of fields) {
    const { value, problem } = checkField(field, values[field.name] ?? '');
    payload[field.name] = value;
    if (problem) problems[field.name] = problem;
  }
  return { payload, problems };
}

/**
 * The text to put into a form input for a stored value (money is edited in yuan).
 * @param {DictField} field
 * @param {unknown} value
 * @returns {string | boolean}
 */
export function toInputValue(field, value) {
  if (field.type === 'bool') return value === true;
  if (value === null || value === undefined) return '';
  if (field.type === 'money') return fenToYuan(Number(value));
  return String(value);
}

/**
 * Password change form: every box filled, new differs from current, confirmation matches.
 * (Length and character classes are the server's security policy; its messages are shown as they come.)
 * @param {{currentPassword: string, newPassword: string, confirmPassword: string}} v
 * @returns {Record<string, Problem>}
 */
export function checkPasswordChange(v) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  if (!v.currentPassword) problems.currentPassword = { key: 'validation.required' };
  if (!v.newPassword) problems.newPassword = { key: 'validation.required' };
  else if (v.newPassword === v.currentPassword) problems.newPassword = { key: 'validation.passwordSame' };
  if (!v.confirmPassword) problems.confirmPassword = { key: 'validation.required' };
  else if (v.newPassword && v.confirmPassword !== v.newPassword) problems.confirmPassword = { key: 'validation.passwordMismatch' };
  return problems;
}

/** Longest API token name the server accepts. */
export const TOKEN_NAME_MAX = 64;

/**
 * 新建令牌 form → the body of POST /api/me/tokens, or the problems to show under the fields.
 * @param {{name: string, lifetime: string}} v lifetime: a whole number of days, or '' for a token that never expires
 *   (then `expiresInDays` is left out)
 * @returns {{body: {name: string, expiresInDays?: number} | null, problems: Record<string, Problem>}}
 */
export function checkTokenForm(v) {
  /** @type {Record<string, Problem>} */
  const problems = {};
  const name = v.name.trim();
  if (!name) problems.name = { key: 'validation.required' };
  else if (charLength(name) > TOKEN_NAME_MAX) problems.name = { key: 'validation.maxLength', params: { max: TOKEN_NAME_MAX } };
  const days = v.lifetime === '' ? null : Number(v.lifetime);
  if (days !== null && !(Number.isInteger(days) && days > 0)) problems.expiresInDays = { key: 'validation.option' };
  if (Object.keys(problems).length) return { body: null, problems };
  return { body: days === null ? { name } : { name, expiresInDays: days }, problems };
}

/**
 * @typedef {object} Assignment
 * @property {number | null} roleId
 * @property {boolean} allInstitutions
 * @property {number[]} institutionIds
 * @property {boolean} allCategories
 * @property {number[]} categoryIds
 */

/**
 * Role assignment rows: a role in every row, each role once, and a non-empty scope when not "all".
 * Returns one problem list per row (empty when the row is fine).
 * @param {Assignment[]} rows
 * @returns {Problem[][]}
 */
export function checkAssignments(rows) {
  /** @type {Map<number, number>} */
  const seen = new Map();
  return rows.map((row, index) => {
    /** @type {Problem[]} */
    const problems = [];
    if (row.roleId === null || row.roleId === undefined) problems.push({ key: 'assign.problem.role' });
    else if (seen.has(row.roleId)) problems.push({ key: 'assign.problem.duplicate', params: { row: /** @type {number} */ (seen.get(row.roleId)) + 1 } });
    else seen.set(row.roleId, index);
    if (!row.allInstitutions && row.institutionIds.length === 0) problems.push({ key: 'assign.problem.institutions' });
    if (!row.allCategories && row.categoryIds.length === 0) problems.push({ key: 'assign.problem.categories' });
    return problems;
  });
}
