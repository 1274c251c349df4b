// 安全策略: password, lockout and session rules (read-only without security.manage).
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { checkRecord } from '../lib/validate.js';
import { pageHeader, field, clearErrors, showFormError, showProblems, toast } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').SecurityPolicy} SecurityPolicy */
/** @typedef {import('../lib/validate.js').DictField} DictField */

/**
 * The policy's fields in display groups: [name, min, max, unit key]. Ranges are sanity bounds for quick
 * feedback; the server validates too.
 * @type {{titleKey: string, fields: [keyof SecurityPolicy, number, number, string][]}[]}
 */
export const POLICY_GROUPS = [
  {
    titleKey: 'security.group.password',
    fields: [
      ['minLength', 1, 128, 'unit.chars'],
      ['minClasses', 1, 4, 'unit.classes'],
      ['maxAgeDays', 0, 3650, 'unit.days'],
      ['historyCount', 0, 50, 'unit.times'],
    ],
  },
  {
    titleKey: 'security.group.lockout',
    fields: [
      ['lockoutThreshold', 0, 100, 'unit.times'],
      ['lockoutMinutes', 1, 10080, 'unit.minutes'],
    ],
  },
  {
    titleKey: 'security.group.session',
    fields: [
      ['sessionIdleMinutes', 1, 1440, 'unit.minutes'],
      ['sessionAbsoluteHours', 1, 720, 'unit.hours'],
    ],
  },
];

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderSecurity(main, ctx) {
  const canManage = ctx.can('security.manage');
  /** @type {SecurityPolicy} */
  const policy = await ctx.api.request('GET', '/api/security/policy', { signal: ctx.signal });

  /** @type {DictField[]} */
  const specs = [];
  /** @type {Map<string, HTMLInputElement>} */
  const inputs = new Map();

  const sections = POLICY_GROUPS.map((g) =>
    h(
      'fieldset',
      { class: 'policy-group' },
      h('legend', null, t(g.titleKey)),
      h(
        'div',
        { class: 'form-grid' },
        g.fields.map(([name, min, max, unit]) => {
          specs.push({ name, label: t(`security.${name}`), type: 'int', required: true, min, max });
          const input = h('input', { class: 'input', inputmode: 'numeric', name, value: String(policy[name] ?? ''), disabled: !canManage, testid: `policy-${name}` });
          inputs.set(name, input);
          return field({ label: t(`security.${name}`), name, control: input, required: canManage, suffix: t(unit), hint: t(`security.${name}.hint`) });
        }),
      ),
    ),
  );

  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'policy-save' }, t('common.save'));
  const form = h(
    'form',
    {
      class: 'policy-form',
      novalidate: true,
      testid: 'policy-form',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        if (!canManage) return;
        clearErrors(form);
        /** @type {Record<string, string>} */
        const values = {};
        for (const [name, input] of inputs) values[name] = input.value;
        const { payload, problems } = checkRecord(specs, values);
        if (showProblems(form, problems)) return;
        submit.disabled = true;
        try {
          const saved = await ctx.api.put('/api/security/policy', payload);
          if (saved && typeof saved === 'object') for (const [name, input] of inputs) if (name in saved) input.value = String(saved[name]);
          toast(t('security.saved'), 'success');
        } catch (error) {
          showFormError(form, error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('div', { class: 'form-alert', hidden: true, role: 'alert', testid: 'form-alert' }),
    sections,
    canManage ? h('div', { class: 'form-actions' }, submit) : null,
  );

  replace(
    main,
    pageHeader(t('security.pageTitle'), t('desc.security')),
    canManage ? null : h('div', { class: 'notice', testid: 'policy-readonly' }, icon('info'), h('span', null, t('security.readOnly'))),
    h('div', { class: 'card' }, form),
  );
}
