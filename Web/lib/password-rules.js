// The password rules of the hospital's security policy, as one sentence for the change-password pages.
// Pure: the translator is passed in (node tests use both catalogues).

/** @typedef {(key: string, params?: Record<string, string | number | null | undefined>) => string} Translate */
/** @typedef {import('../types/models').PasswordRules} PasswordRules */

/**
 * A non-negative whole number from the policy, or 0 for anything else (missing, null, garbage).
 * @param {unknown} value
 */
function count(value) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * “密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少 3 类，不能与最近 5 次使用过的密码相同，不能包含用户名；
 * 每 90 天须更换一次。” The history part is left out when the policy keeps no history, the rotation part when
 * passwords do not expire, the character-class part when one class is enough. Returns '' without a policy
 * (an older server), so the page can fall back to a general hint.
 * @param {Translate} t
 * @param {Partial<PasswordRules> | null | undefined} policy `passwordPolicy` of GET /api/me
 */
export function passwordRulesText(t, policy) {
  if (!policy || typeof policy !== 'object') return '';
  const minLength = count(policy.minLength);
  const minClasses = Math.min(count(policy.minClasses), 4);
  const history = count(policy.historyCount);
  const maxAge = count(policy.maxAgeDays);

  /** @type {string[]} */
  const parts = [];
  if (minLength > 0) parts.push(t('password.rules.length', { n: minLength }));
  if (minClasses >= 4) parts.push(t('password.rules.allClasses'));
  else if (minClasses >= 2) parts.push(t('password.rules.classes', { n: minClasses }));
  // The history holds the current password too, so a history of one only forbids keeping the current one.
  const not = history > 1 ? t('password.rules.notHistory', { n: history }) : history === 1 ? t('password.rules.notCurrent') : t('password.rules.notUsername');
  let text = parts.length ? parts.join(t('password.rules.sep')) + t('password.rules.then') + not : t('password.rules.only', { rule: not });
  if (maxAge > 0) text += t('password.rules.maxAge', { n: maxAge });
  return text + t('password.rules.end');
}
