// Readable text for audit records. The server stores machine words in some columns (role codes, object types,
// error codes in `detail`); an auditor reads 安全管理员, 用户 #9 and 编码重复 instead. Pure functions: the
// translator is passed in, so node tests can use any catalogue.

/** @typedef {(key: string, params?: Record<string, string | number | null | undefined>) => string} Translate */

/**
 * The text of `${prefix}.${code}`, or null when the catalogue has none (the translator then answers the key).
 * @param {Translate} t
 * @param {string} prefix
 * @param {string} code
 * @returns {string | null}
 */
export function lookupCode(t, prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? null : text;
}

/**
 * Role names for the roles column: built-in role codes get their names, anything else is shown as it is.
 * Accepts a list or the comma-separated string the server sends.
 * @param {Translate} t
 * @param {unknown} roles
 * @returns {string[]}
 */
export function roleNames(t, roles) {
  /** @type {string[]} */
  const codes = typeof roles === 'string' ? roles.split(',') : Array.isArray(roles) ? roles.map((r) => (r && typeof r === 'object' ? String(/** @type {any} */ (r).name ?? /** @type {any} */ (r).code ?? '') : String(r))) : [];
  return codes.map((c) => c.trim()).filter(Boolean).map((c) => lookupCode(t, 'role', c) ?? c);
}

/**
 * The roles under the user name: the names the server sends (`roleNames`, 、-separated, which also covers custom
 * and renamed roles), else the codes in `roles` named on the client.
 * @param {Translate} t
 * @param {{roles?: unknown, roleNames?: string | null}} record
 */
export function rolesText(t, record) {
  if (typeof record.roleNames === 'string' && record.roleNames.trim()) return record.roleNames.trim();
  return roleNames(t, record.roles).join(t('audit.listSep'));
}

/** A list of permission codes as the server writes them: "users.view,dict.manage". */
const PERMISSION_LIST = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+(?:,[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)*$/;

/**
 * "users.view,dict.manage" → "查看用户、管理字典" with the names known, or null when none is known (the text
 * then stays as written).
 * @param {Translate} t
 * @param {string} list
 * @param {Map<string, string> | null | undefined} names permission code → name
 */
function permissionList(t, list, names) {
  if (!names || names.size === 0) return null;
  const codes = list.split(',');
  if (!codes.some((c) => names.has(c))) return null;
  return codes.map((c) => names.get(c) ?? c).join(t('audit.listSep'));
}

/**
 * The 对象 cell: "用户 #9", "科室病区 #13" (dictionary rows are recorded as "departments/13"), "安全策略".
 * @param {Translate} t
 * @param {string | null | undefined} type
 * @param {string | number | null | undefined} id
 */
export function objectText(t, type, id) {
  const ident = id === null || id === undefined ? '' : String(id);
  if (!type) return ident ? `#${ident}` : '';
  if (type === 'dictionary' && ident) {
    const m = /^([a-z-]+)(?:\/(.+))?$/.exec(ident);
    const kind = m ? lookupCode(t, 'dict.kind', m[1]) : null;
    if (m && kind) return m[2] ? `${kind} #${m[2]}` : kind;
  }
  const label = lookupCode(t, 'audit.obj', type) ?? type;
  return ident ? `${label} #${ident}` : label;
}

/**
 * The 详情 cell. The server joins notes with "; ": free text (kept), `key=value` notes (the key named),
 * and error codes such as `duplicate` or `validation_failed` (translated). Role changes are written as
 * `角色名：perm.code,perm.code`; with `permissionNames` (from GET /api/permissions) the codes are shown by name.
 * @param {Translate} t
 * @param {unknown} detail
 * @param {Map<string, string> | null} [permissionNames] permission code → name, when the page has them
 */
export function detailText(t, detail, permissionNames) {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'string') return JSON.stringify(detail);
  return detail
    .split(/;\s*/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const kv = /^([a-zA-Z]+)=(.*)$/.exec(part);
      if (kv) {
        const key = `audit.note.${kv[1]}`;
        const named = kv[1] === 'permissions' && PERMISSION_LIST.test(kv[2]) ? permissionList(t, kv[2], permissionNames) : null;
        const text = t(key, { value: named ?? kv[2].split(',').join(t('audit.listSep')) });
        return text === key ? part : text;
      }
      const role = /^([^：:]+)：(.+)$/.exec(part);
      if (role && PERMISSION_LIST.test(role[2])) {
        const named = permissionList(t, role[2], permissionNames);
        return named === null ? part : `${role[1]}：${named}`;
      }
      if (/^[a-z_]+$/.test(part)) return lookupCode(t, 'audit.code', part) ?? part;
      return part;
    })
    .join(t('audit.detailSep'));
}

/**
 * Action codes grouped by their first segment, in the order given: [{prefix: "user.", codes: [...]}, …].
 * The server matches the action filter as a prefix, so a group's prefix selects all its actions.
 * @param {string[]} codes
 * @returns {{prefix: string, codes: string[]}[]}
 */
export function actionGroups(codes) {
  /** @type {Map<string, string[]>} */
  const groups = new Map();
  for (const code of codes) {
    const prefix = `${code.split('.')[0]}.`;
    const list = groups.get(prefix);
    if (list) list.push(code);
    else groups.set(prefix, [code]);
  }
  return [...groups].map(([prefix, list]) => ({ prefix, codes: list }));
}
