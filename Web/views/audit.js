// 审计日志 (DM-04, MON-02): who did what and when, with filters, Excel export and a tamper check.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, getLanguage } from '../lib/i18n.js';
import { buildQuery } from '../lib/api.js';
import { formatDateTime, localInputToIso } from '../lib/format.js';
import { rolesText, objectText, detailText, actionGroups } from '../lib/audit-text.js';
import { pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, select, toastError } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').AuditRecord} AuditRecord */

/** Outcome codes written by the server and how they are shown. */
export const OUTCOMES = /** @type {const} */ ([
  ['success', 'audit.outcome.success', 'green'],
  ['failure', 'audit.outcome.failure', 'red'],
  ['denied', 'audit.outcome.denied', 'orange'],
]);

/**
 * Action codes the server writes (Sources/Server/Routes.swift, AuthService). Each has a text
 * `audit.act.<code>`; other codes are shown as they are.
 */
export const KNOWN_ACTIONS = [
  'auth.login', 'auth.logout', 'auth.lockout', 'user.create', 'user.update', 'user.delete', 'user.unlock', 'user.password.reset', 'user.password.change', 'user.roles.assign', 'user.sessions.end', 'user.signature.set', 'user.signature.delete', 'role.create', 'role.update', 'role.delete', 'dict.create', 'dict.update', 'dict.delete', 'dict.import', 'dict.export', 'security.policy.update', 'audit.export', 'audit.verify', 'token.create', 'token.revoke', 'dicom.ae.create', 'dicom.ae.update', 'dicom.ae.delete', 'dicom.echo', 'dicom.remote.query', 'dicom.remote.retrieve', 'routing.rule.create', 'routing.rule.update', 'routing.rule.delete', 'routing.retry', 'routing.retry-dead', 'worklist.create', 'system.bootstrap',
];

/** @param {string} code */
function actionCell(code) {
  return KNOWN_ACTIONS.includes(code)
    ? h('span', { class: 'action-cell' }, h('span', null, t(`audit.act.${code}`)), h('code', { class: 'action-code' }, code))
    : h('code', { class: 'code' }, code);
}

/** @param {string} outcome */
function outcomeBadge(outcome) {
  const known = OUTCOMES.find(([code]) => code === outcome);
  return known ? badge(t(known[1]), known[2]) : badge(outcome, 'gray');
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export function renderAudit(main, ctx) {
  const { api } = ctx;
  /** @param {string} name @param {string} placeholder */
  const text = (name, placeholder) => h('input', { class: 'input input-narrow', name, placeholder, testid: `audit-${name}`, 'aria-label': placeholder });
  const username = text('username', t('audit.username'));
  const patientId = text('patientId', t('audit.patientId'));
  // Actions by name, grouped by area; a group's first entry selects all of its actions (the server matches
  // the action code as a prefix). Nobody has to know the codes.
  const action = h(
    'select',
    { class: 'input', name: 'action', testid: 'audit-action', 'aria-label': t('audit.action') },
    h('option', { value: '' }, t('audit.allActions')),
    actionGroups(KNOWN_ACTIONS).map((g) => {
      const area = t(`audit.area.${g.prefix.slice(0, -1)}`);
      return h(
        'optgroup',
        { label: area },
        g.codes.length > 1 ? h('option', { value: g.prefix }, t('audit.areaAll', { area })) : null,
        g.codes.map((code) => h('option', { value: code }, t(`audit.act.${code}`))),
      );
    }),
  );
  const outcome = select(
    OUTCOMES.map(([code, key]) => ({ value: code, label: t(key) })),
    '',
    { testid: 'audit-outcome', 'aria-label': t('audit.outcome') },
    t('audit.allOutcomes'),
  );
  const from = h('input', { class: 'input', type: 'datetime-local', testid: 'audit-from', 'aria-label': t('audit.from') });
  const to = h('input', { class: 'input', type: 'datetime-local', testid: 'audit-to', 'aria-label': t('audit.to') });
  const rangeError = h('div', { class: 'field-error', hidden: true, testid: 'audit-range-error' });

  /** Filters as last applied (the export link and paging use these, not half-typed input). */
  /** @type {Record<string, string | null>} */
  let applied = {};
  const readFilters = () => ({
    username: username.value.trim(),
    patientId: patientId.value.trim(),
    action: action.value.trim(),
    outcome: outcome.value,
    from: localInputToIso(from.value),
    to: localInputToIso(to.value, { endOfMinute: true }),
  });

  // The file name and the sheet headers follow the page's language (`lang`; a link cannot set Accept-Language).
  // `download` without a name keeps the server's file name (审计日志.xlsx / audit-log.xlsx).
  const exportLink = ctx.can('audit.export')
    ? h('a', { class: 'btn btn-default', href: `/api/audit/export.xlsx${buildQuery({ lang: getLanguage() })}`, download: true, testid: 'audit-export' }, icon('download'), h('span', null, t('common.exportExcel')))
    : null;
  const updateExport = () => {
    if (exportLink) exportLink.href = `/api/audit/export.xlsx${buildQuery({ ...applied, lang: getLanguage() })}`;
  };

  // Role changes are recorded with permission codes; users who may read the permission catalogue see names.
  /** @type {Map<string, string> | null} */
  let permissionNames = null;
  const permissionsReady = ctx.can('roles.view')
    ? api
        .request('GET', '/api/permissions', { signal: ctx.signal })
        .then((/** @type {{groups: import('../types/models').PermissionGroup[]}} */ answer) => {
          permissionNames = new Map(answer.groups.flatMap((g) => g.permissions.map((p) => /** @type {[string, string]} */ ([p.code, p.name]))));
        })
        .catch(() => {
          /* the codes are shown as they are */
        })
    : Promise.resolve();

  /** @type {import('../components/ui.js').Column<AuditRecord>[]} */
  const columns = [
    { title: t('audit.at'), render: (r) => formatDateTime(r.at, { seconds: true }), className: 'nowrap' },
    {
      title: t('audit.user'),
      render: (r) => {
        const roles = rolesText(t, r);
        return h('span', { class: 'stack-cell' }, h('span', null, r.username || ''), roles ? h('span', { class: 'sub', title: t('audit.roles') }, roles) : null);
      },
      className: 'audit-user',
    },
    { title: t('audit.clientIp'), render: (r) => r.clientIp || '', className: 'nowrap' },
    { title: t('audit.action'), render: (r) => actionCell(r.action) },
    { title: t('audit.object'), render: (r) => objectText(t, r.objectType, r.objectId), className: 'nowrap' },
    { title: t('audit.patientId'), render: (r) => r.patientId || '' },
    { title: t('audit.outcome'), render: (r) => outcomeBadge(r.outcome), className: 'nowrap' },
    {
      title: t('audit.detail'),
      render: (r) => {
        const d = detailText(t, r.detail, permissionNames);
        return h('span', { class: 'clip', title: d }, d);
      },
    },
  ];
  const table = dataTable({
    columns,
    testid: 'audit-table',
    empty: () => (Object.values(applied).some(Boolean) ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('common.empty') }),
  });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: async (page, pageSize) => {
      const [answer] = await Promise.all([api.request('GET', '/api/audit', { query: { ...applied, page, pageSize }, signal: ctx.signal }), permissionsReady]);
      return answer;
    },
  });

  const verifyResult = h('div', { class: 'verify-result', hidden: true, testid: 'audit-verify-result', role: 'status' });
  const verifyButton = button(t('audit.verify'), { icon: 'shield', testid: 'audit-verify' });
  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true;
    verifyButton.classList.add('is-busy');
    try {
      const r = await api.request('GET', '/api/audit/verify', { signal: ctx.signal });
      verifyResult.hidden = false;
      verifyResult.className = `verify-result ${r.ok ? 'ok' : 'bad'}`;
      replace(
        verifyResult,
        icon(r.ok ? 'checkCircle' : 'alert'),
        h(
          'span',
          null,
          r.ok
            ? t('audit.verifyOk', { n: r.records })
            : t('audit.verifyBad', { n: r.records, at: r.brokenAt ?? '?', reason: r.reason || '' }),
        ),
        h('span', { class: 'verify-time' }, formatDateTime(new Date().toISOString(), { seconds: true })),
      );
    } catch (error) {
      if (!ctx.signal.aborted) toastError(error);
    } finally {
      verifyButton.disabled = false;
      verifyButton.classList.remove('is-busy');
    }
  });

  const apply = () => {
    const f = readFilters();
    rangeError.hidden = true;
    if (f.from && f.to && f.from > f.to) {
      rangeError.textContent = t('audit.rangeError');
      rangeError.hidden = false;
      return;
    }
    applied = f;
    updateExport();
    list.search();
  };

  const toolbar = searchToolbar({
    wrap: true,
    filters: [
      username,
      patientId,
      action,
      outcome,
      h('span', { class: 'range' }, h('span', { class: 'range-label' }, t('audit.at')), from, h('span', { class: 'range-sep' }, t('audit.toSep')), to),
      rangeError,
    ],
    queryTestid: 'audit-query',
    onSearch: apply,
    onReset: () => {
      for (const input of [username, patientId, from, to]) input.value = '';
      action.value = '';
      outcome.value = '';
    },
  });

  replace(main, pageHeader(t('audit.pageTitle'), t('desc.audit'), h('div', { class: 'header-buttons' }, verifyButton, exportLink)), verifyResult, h('div', { class: 'card' }, toolbar, table.el, pg.el));
  apply();
}
