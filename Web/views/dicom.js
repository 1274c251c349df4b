// DICOM 节点: the remote application entities we know (add, edit, enable / disable, delete, C-ECHO test), the
// associations open right now, recent DIMSE activity, and routing (rules and the send queue, views/dicom-routing.js);
// the line on top shows our own node's settings.
// Tabs are routes (#/dicom/nodes, #/dicom/associations, #/dicom/activity?ae=CT01&failures=true, #/dicom/routing,
// #/dicom/outbox?status=dead); each shows only to users with its permission (节点管理 and 路由规则:
// dicom.nodes.manage; 当前连接, 传输记录 and 发送队列: monitor.view).
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, getLanguage } from '../lib/i18n.js';
import { ApiError } from '../lib/api.js';
import { formatDateTime } from '../lib/format.js';
import { routingTab, outboxTab } from './dicom-routing.js';
import {
  SERVICES, allowedTabs, serviceLabel, serviceCode, summariseServices, activityStatus, statusRowClass, operationLabel,
  directionLabel, directionHint, duplicatePolicyText, echoSummary, durationText, checkNodeForm, AE_TITLE_MAX,
} from '../lib/dicom.js';
import {
  pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, field, formModal, confirmDialog, toast, toastError,
  showProblems, errorText, emptyState,
} from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').DicomStatus} DicomStatus */
/** @typedef {import('../types/models').ApplicationEntity} ApplicationEntity */
/** @typedef {import('../types/models').EchoResult} EchoResult */
/** @typedef {import('../types/models').DicomAssociation} DicomAssociation */
/** @typedef {import('../types/models').DimseActivity} DimseActivity */

/** Live associations are re-read this often while the page is visible. */
export const REFRESH_MS = 5000;

/** @typedef {import('../lib/dicom.js').DicomTab} DicomTab */

/** @type {Record<DicomTab, string>} */
const TAB_LABELS = {
  nodes: 'dicom.tab.nodes',
  associations: 'dicom.tab.associations',
  activity: 'dicom.tab.activity',
  routing: 'dicom.tab.routing',
  outbox: 'dicom.tab.outbox',
};

/** @type {Record<DicomTab, (ctx: ViewContext) => {actions: import('../lib/dom.js').Child, body: import('../lib/dom.js').Child, start: () => void}>} */
const TAB_VIEWS = { nodes: nodesTab, associations: associationsTab, activity: activityTab, routing: routingTab, outbox: outboxTab };

const BASE = '/api/dicom/application-entities';

/** @param {{host: string, port: number}} n */
const address = (n) => `${n.host}:${n.port}`;

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderDicom(main, ctx) {
  const tabs = allowedTabs(ctx.can);
  if (tabs.length === 0) {
    // The route already needs one of the two permissions; this only guards against a redirect loop.
    replace(main, pageHeader(t('dicom.pageTitle'), null), h('div', { class: 'card' }, emptyState({ icon: 'lock', title: t('status.forbidden.title') })));
    return;
  }
  const tab = /** @type {DicomTab} */ (ctx.params[0]);
  if (!tabs.includes(tab)) {
    ctx.replaceRoute(`/dicom/${tabs[0]}`);
    return;
  }

  // Our own node (needs monitor.view; a node administrator without it simply does not see the line).
  /** @type {HTMLElement | null} */
  let local = null;
  if (ctx.can('monitor.view')) {
    try {
      local = localNode(/** @type {DicomStatus} */ (await ctx.api.request('GET', '/api/dicom/status', { signal: ctx.signal })));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      local = h('div', { class: 'notice notice-warn dicom-local', testid: 'dicom-local-error' }, icon('alert'), h('span', null, t('dicom.local.unavailable', { message: errorText(error) })));
    }
  }

  const tabBar = h(
    'nav',
    { class: 'tabs', 'aria-label': t('dicom.pageTitle'), testid: 'dicom-tabs' },
    tabs.map((id) => h('a', { class: ['tab', id === tab ? 'active' : ''], href: `#/dicom/${id}`, testid: `dicom-tab-${id}`, 'aria-current': id === tab ? 'page' : undefined }, t(TAB_LABELS[id]))),
  );

  const view = TAB_VIEWS[tab](ctx);
  // Without 节点管理 the page only watches; its description says so.
  const description = tabs.includes('nodes') ? t('desc.dicom') : t('dicom.descMonitor');
  replace(main, pageHeader(t('dicom.pageTitle'), description, view.actions), local, tabBar, h('div', { class: 'card card-tabbed', testid: `dicom-panel-${tab}` }, view.body));
  view.start();
}

// ---------------------------------------------------------------- our own node

/**
 * "本机 AE Title YUNYING · 端口 11112 · 接受未登记节点：是 · 重复图像策略：保留首份 · 最大并发连接 64"
 * @param {DicomStatus} s
 */
function localNode(s) {
  const dup = duplicatePolicyText(t, s.duplicatePolicy);
  /** @param {string} label @param {import('../lib/dom.js').Child} value @param {string} testid */
  const fact = (label, value, testid) =>
    // A label ending in a full-width colon needs no space before its value ("接受未登记节点：是").
    h('span', { class: ['fact', /：$/.test(label) ? 'fact-tight' : ''], testid }, h('span', { class: 'fact-label' }, label), h('span', { class: 'fact-value' }, value));
  const sep = () => h('span', { class: 'fact-sep', 'aria-hidden': 'true' }, '·');
  return h(
    'div',
    { class: 'dicom-local', testid: 'dicom-local' },
    h('span', { class: 'dicom-local-icon' }, icon('server')),
    h(
      'div',
      { class: 'facts' },
      fact(t('dicom.local.aeTitle'), h('code', { class: 'ae' }, s.aeTitle), 'local-ae'),
      sep(),
      fact(t('dicom.local.port'), String(s.port), 'local-port'),
      sep(),
      fact(
        t('dicom.local.acceptAny'),
        badge(s.acceptAnyCallingAE ? t('common.yes') : t('common.no'), s.acceptAnyCallingAE ? 'orange' : 'green', { title: s.acceptAnyCallingAE ? t('dicom.local.acceptAnyOn') : t('dicom.local.acceptAnyOff') }),
        'local-accept-any',
      ),
      sep(),
      fact(t('dicom.local.duplicates'), h('span', { title: dup.hint, class: 'has-hint' }, dup.label), 'local-duplicates'),
      sep(),
      fact(t('dicom.local.maxAssociations'), String(s.maxAssociations), 'local-max'),
    ),
  );
}

// ---------------------------------------------------------------- 节点管理

/**
 * @param {ViewContext} ctx
 */
function nodesTab(ctx) {
  const { api } = ctx;
  const lang = getLanguage();
  const canActivity = ctx.can('monitor.view');

  /**
   * 测试连接 results of this page view, by node id (kept across list reloads), and the cells showing them.
   * @type {Map<number, {running: true} | {running: false, result: EchoResult, at: string}>}
   */
  const echoes = new Map();
  /** @type {Map<number, HTMLElement>} */
  const echoCells = new Map();

  /** @param {number} id */
  function drawEcho(id) {
    const cell = echoCells.get(id);
    if (!cell) return;
    const state = echoes.get(id);
    if (!state) {
      replace(cell, h('span', { class: 'muted' }, t('dicom.node.notTested')));
      cell.className = 'echo-cell';
      return;
    }
    if (state.running) {
      cell.className = 'echo-cell';
      replace(cell, h('span', { class: 'spinner spinner-sm' }), h('span', { class: 'muted' }, t('dicom.node.testing')));
      return;
    }
    const s = echoSummary(t, state.result, lang);
    cell.className = `echo-cell ${s.ok ? 'echo-ok' : 'echo-bad'}`;
    cell.dataset.ok = String(s.ok);
    const when = t('dicom.echoAt', { at: formatDateTime(state.at, { seconds: true }) });
    replace(cell, icon(s.ok ? 'checkCircle' : 'alert'), h('span', { class: 'echo-text', title: [s.detail, when].filter(Boolean).join('\n') }, s.text));
  }

  /** @param {ApplicationEntity} n */
  async function echo(n) {
    const current = echoes.get(n.id);
    if (current && current.running) return;
    echoes.set(n.id, { running: true });
    drawEcho(n.id);
    try {
      const result = /** @type {EchoResult} */ (await api.request('POST', `${BASE}/${n.id}/echo`, { signal: ctx.signal }));
      echoes.set(n.id, { running: false, result, at: new Date().toISOString() });
    } catch (error) {
      if (ctx.signal.aborted) return;
      echoes.delete(n.id);
      toastError(error);
    }
    drawEcho(n.id);
  }

  const q = h('input', { class: 'input', type: 'search', placeholder: t('dicom.node.searchPlaceholder'), testid: 'nodes-search', 'aria-label': t('common.search') });

  /** @param {ApplicationEntity} n */
  const servicesCell = (n) => {
    const summary = summariseServices(n.services);
    if ('all' in summary) return badge(t('dicom.node.allServices'), 'blue', { title: SERVICES.map((s) => serviceLabel(t, s, true)).join(t('dicom.listSep')) });
    if ('none' in summary) return h('span', { class: 'muted', title: t('dicom.node.noServicesHint') }, t('dicom.node.noServices'));
    return h('div', { class: 'chips chips-wrap' }, summary.codes.map((c) => badge(serviceLabel(t, c), 'gray', { title: serviceCode(c) || undefined })));
  };

  /** @param {ApplicationEntity} n */
  const activeCell = (n) => {
    const box = h('input', { type: 'checkbox', role: 'switch', checked: n.active, testid: 'node-active-input', 'aria-label': t('dicom.node.activeSwitch', { ae: n.aeTitle }) });
    box.addEventListener('change', () => toggleActive(n, box));
    return h('label', { class: 'toggle', testid: 'node-active' }, box, h('span', { class: 'toggle-track', 'aria-hidden': 'true' }), h('span', { class: 'toggle-text' }, n.active ? t('status.active') : t('status.inactive')));
  };

  /** @type {import('../components/ui.js').Column<ApplicationEntity>[]} */
  const columns = [
    {
      title: t('dicom.node.aeDescription'),
      render: (n) => h('span', { class: 'stack-cell' }, h('code', { class: 'ae strong', testid: 'node-ae' }, n.aeTitle), n.description ? h('span', { class: 'sub' }, n.description) : null),
    },
    {
      title: t('dicom.node.address'),
      render: (n) => h('span', null, h('code', { class: 'addr' }, address(n)), n.tls ? h('span', { class: 'badge badge-blue tls-badge', title: t('dicom.node.tlsLabel'), testid: 'node-tls' }, 'TLS') : null),
      className: 'nowrap',
    },
    { title: t('dicom.node.services'), render: servicesCell, className: 'services-col' },
    { title: t('common.status'), render: activeCell, className: 'nowrap' },
    {
      title: t('dicom.node.echoColumn'),
      render: (n) => {
        const cell = h('div', { class: 'echo-cell', testid: 'node-echo-result', role: 'status' });
        echoCells.set(n.id, cell);
        drawEcho(n.id);
        return cell;
      },
      className: 'echo-col',
    },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (n) =>
        h(
          'div',
          { class: 'row-actions' },
          button(t('dicom.node.echo'), { variant: 'link', testid: 'node-echo', onclick: () => echo(n) }),
          button(t('common.edit'), { variant: 'link', testid: 'node-edit', onclick: () => openForm(n) }),
          canActivity ? h('a', { class: 'btn btn-link', href: `#/dicom/activity?ae=${encodeURIComponent(n.aeTitle)}`, testid: 'node-activity' }, h('span', null, t('dicom.node.activity'))) : null,
          button(t('common.delete'), { variant: 'link-danger', testid: 'node-delete', onclick: () => remove(n) }),
        ),
    },
  ];

  const table = dataTable({
    columns,
    testid: 'nodes-table',
    rowProps: (n) => ({ testid: `node-row-${n.aeTitle}`, dataset: { id: String(n.id) }, class: n.active ? undefined : 'row-inactive' }),
    empty: () => (q.value.trim() ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('dicom.node.empty'), text: t('dicom.node.emptyHint') }),
  });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: (page, pageSize) => {
      echoCells.clear();
      return api.request('GET', BASE, { query: { q: q.value.trim(), page, pageSize }, signal: ctx.signal });
    },
  });

  const toolbar = searchToolbar({ query: q, queryTestid: 'nodes-query', onSearch: () => list.search() });

  // ------------------------------------------------------------ create / edit

  /** @param {ApplicationEntity | null} node */
  function openForm(node) {
    const aeTitle = h('input', { class: 'input mono', name: 'aeTitle', autocomplete: 'off', spellcheck: 'false', maxlength: String(AE_TITLE_MAX), value: node?.aeTitle || '', testid: 'node-form-aeTitle' });
    const description = h('input', { class: 'input', name: 'description', maxlength: '128', value: node?.description || '', placeholder: t('dicom.node.descriptionPlaceholder'), testid: 'node-form-description' });
    const host = h('input', { class: 'input mono', name: 'host', autocomplete: 'off', spellcheck: 'false', value: node?.host || '', placeholder: t('dicom.node.hostPlaceholder'), testid: 'node-form-host' });
    const port = h('input', { class: 'input mono', name: 'port', inputmode: 'numeric', autocomplete: 'off', value: node ? String(node.port) : '', placeholder: '104', testid: 'node-form-port' });
    const chosen = new Set(node ? node.services : SERVICES);
    const services = h(
      'div',
      { class: 'check-chips', role: 'group', 'aria-label': t('dicom.node.services'), testid: 'node-form-services' },
      SERVICES.map((s) => h('label', { class: 'check-chip' }, h('input', { type: 'checkbox', value: s, checked: chosen.has(s), testid: `node-form-service-${s}` }), h('span', null, serviceLabel(t, s, true)))),
    );
    const active = h('input', { type: 'checkbox', name: 'active', checked: node ? node.active : true, testid: 'node-form-active' });
    const tls = h('input', { type: 'checkbox', name: 'tls', checked: node ? !!node.tls : false, testid: 'node-form-tls' });

    const body = h(
      'div',
      { class: 'form-grid' },
      field({ label: t('dicom.node.aeTitle'), name: 'aeTitle', control: aeTitle, required: true, hint: t('dicom.node.aeTitleHint') }),
      field({ label: t('dicom.node.description'), name: 'description', control: description }),
      field({ label: t('dicom.node.host'), name: 'host', control: host, required: true }),
      field({ label: t('dicom.node.port'), name: 'port', control: port, required: true, hint: t('dicom.node.portHint') }),
      field({ label: t('dicom.node.services'), name: 'services', control: services, hint: t('dicom.node.servicesHint'), wide: true }),
      field({ label: t('dicom.node.tls'), name: 'tls', control: h('label', { class: 'switch-label' }, tls, h('span', null, t('dicom.node.tlsLabel'))), hint: t('dicom.node.tlsHint'), wide: true }),
      field({ label: t('common.status'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('dicom.node.activeLabel'))), hint: t('dicom.node.activeHint'), wide: true }),
    );

    formModal({
      title: node ? t('dicom.node.edit', { ae: node.aeTitle }) : t('dicom.node.add'),
      size: 'lg',
      testid: 'node-form',
      extraFooter: node && node.updatedAt ? h('span', { class: 'footer-note' }, t('dicom.node.updatedAt', { at: formatDateTime(node.updatedAt) })) : null,
      body,
      onSubmit: async (form) => {
        const picked = [...services.querySelectorAll('input[type=checkbox]')].filter((b) => /** @type {HTMLInputElement} */ (b).checked).map((b) => /** @type {HTMLInputElement} */ (b).value);
        const { payload, problems } = checkNodeForm({ aeTitle: aeTitle.value, host: host.value, port: port.value, description: description.value, services: picked, active: active.checked, tls: tls.checked });
        if (showProblems(form, problems) || !payload) return false;
        try {
          if (node) await api.put(`${BASE}/${node.id}`, payload);
          else await api.post(BASE, payload);
        } catch (error) {
          // 409: the AE title is taken. The server says so in one message; it belongs under the AE title.
          if (error instanceof ApiError && error.status === 409 && error.fields.length === 0) {
            throw new ApiError(error.status, error.code, error.message, [{ field: 'aeTitle', code: error.code, message: error.message }]);
          }
          throw error;
        }
        toast(node ? t('common.saved') : t('dicom.node.created', { ae: payload.aeTitle }), 'success');
        // The old result may no longer describe the new address.
        if (node && (node.host !== payload.host || node.port !== payload.port || node.aeTitle !== payload.aeTitle)) echoes.delete(node.id);
        list.reload();
      },
    });
  }

  // ------------------------------------------------------------ row actions

  /**
   * @param {ApplicationEntity} n
   * @param {HTMLInputElement} box the switch, already flipped by the click
   */
  async function toggleActive(n, box) {
    const next = box.checked;
    // Disabling cuts the device off at once: ask first. Enabling is harmless.
    if (!next && !(await confirmDialog({ title: t('dicom.node.disableTitle'), message: t('dicom.node.disableConfirm', { ae: n.aeTitle, address: address(n) }), confirmText: t('common.disable'), danger: true }))) {
      box.checked = true;
      return;
    }
    box.disabled = true;
    try {
      await api.put(`${BASE}/${n.id}`, { active: next });
      toast(next ? t('dicom.node.enabled', { ae: n.aeTitle }) : t('dicom.node.disabled', { ae: n.aeTitle }), 'success');
      list.reload();
    } catch (error) {
      box.checked = !next;
      box.disabled = false;
      toastError(error);
    }
  }

  /** @param {ApplicationEntity} n */
  async function remove(n) {
    if (!(await confirmDialog({ title: t('dicom.node.deleteTitle'), message: t('dicom.node.deleteConfirm', { ae: n.aeTitle, address: address(n) }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`${BASE}/${n.id}`);
      echoes.delete(n.id);
      toast(t('common.deleted'), 'success');
      list.reload();
    } catch (error) {
      toastError(error);
    }
  }

  return {
    actions: button(t('dicom.node.add'), { variant: 'primary', icon: 'plus', testid: 'node-add', onclick: () => openForm(null) }),
    body: [toolbar, table.el, pg.el],
    start: () => list.search(),
  };
}

// ---------------------------------------------------------------- 当前连接

/**
 * @param {ViewContext} ctx
 */
function associationsTab(ctx) {
  const { api } = ctx;
  /** @param {DicomAssociation} a */
  const direction = (a) => h('span', { title: directionHint(t, a.direction) }, badge(directionLabel(t, a.direction), a.direction === 'out' ? 'blue' : 'gray'));
  /** @type {import('../components/ui.js').Column<DicomAssociation>[]} */
  const columns = [
    { title: t('dicom.assoc.direction'), render: direction, className: 'nowrap' },
    { title: t('dicom.assoc.calling'), render: (a) => h('code', { class: 'ae' }, a.callingAETitle) },
    { title: t('dicom.assoc.called'), render: (a) => h('code', { class: 'ae' }, a.calledAETitle) },
    { title: t('dicom.assoc.peerHost'), render: (a) => h('code', { class: 'addr' }, a.peerHost) },
    { title: t('dicom.assoc.startedAt'), render: (a) => formatDateTime(a.startedAt, { seconds: true }), className: 'nowrap' },
    { title: t('dicom.assoc.duration'), render: (a) => durationText(t, Date.now() - new Date(a.startedAt).getTime()), className: 'nowrap num' },
    { title: t('dicom.assoc.messages'), render: (a) => String(a.messages), className: 'num' },
    { title: t('dicom.assoc.lastOperation'), render: (a) => (a.lastOperation ? operationCell(a.lastOperation) : h('span', { class: 'muted' }, '—')) },
  ];
  const table = dataTable({
    columns,
    testid: 'associations-table',
    rowProps: (a) => ({ testid: `association-row-${a.callingAETitle}` }),
    empty: () => ({ title: t('dicom.assoc.empty'), text: t('dicom.assoc.emptyHint') }),
  });
  const count = h('span', { class: 'pager-total', testid: 'associations-count' });
  const note = h('span', { class: 'refresh-note', testid: 'associations-updated', role: 'status' });
  const refresh = button(t('dicom.assoc.refresh'), { icon: 'refresh', testid: 'associations-refresh', onclick: () => load(true) });

  let busy = false;
  let loaded = false;
  /** @param {boolean} visible show the table's loading state (first load, 刷新); timed refreshes are silent */
  async function load(visible) {
    if (busy || ctx.signal.aborted) return;
    busy = true;
    refresh.disabled = true;
    if (visible) table.setLoading();
    try {
      const answer = await api.request('GET', '/api/dicom/associations', { signal: ctx.signal });
      /** @type {DicomAssociation[]} */
      const items = answer.items || [];
      table.setRows(items);
      loaded = true;
      count.textContent = t('dicom.assoc.count', { n: items.length });
      note.className = 'refresh-note';
      note.textContent = t('dicom.assoc.autoRefresh', { time: formatDateTime(new Date().toISOString(), { seconds: true }).slice(11) });
    } catch (error) {
      if (ctx.signal.aborted) return;
      if (visible || !loaded) table.setError(error, () => load(true));
      // A failed timed refresh keeps the last list and says so; the next tick tries again.
      note.className = 'refresh-note refresh-failed';
      note.textContent = t('dicom.assoc.refreshFailed', { time: formatDateTime(new Date().toISOString(), { seconds: true }).slice(11), message: errorText(error) });
    } finally {
      busy = false;
      refresh.disabled = false;
    }
  }

  return {
    actions: null,
    body: [h('div', { class: 'toolbar toolbar-center' }, h('div', { class: 'toolbar-filters' }, count, note), h('div', { class: 'toolbar-buttons' }, refresh)), table.el],
    start: () => {
      load(true);
      // Every 5 s while this tab is on screen; at once when the browser tab comes back into view.
      const timer = setInterval(() => {
        if (document.visibilityState === 'visible') load(false);
      }, REFRESH_MS);
      const onVisibility = () => {
        if (document.visibilityState === 'visible') load(false);
      };
      document.addEventListener('visibilitychange', onVisibility);
      ctx.signal.addEventListener('abort', () => {
        clearInterval(timer);
        document.removeEventListener('visibilitychange', onVisibility);
      });
    },
  };
}

// ---------------------------------------------------------------- 传输记录

/**
 * "C-STORE" with its short name under it (存储).
 * @param {string} operation
 */
function operationCell(operation) {
  const label = operationLabel(t, operation);
  return h('span', { class: 'stack-cell' }, h('code', { class: 'op' }, operation), label ? h('span', { class: 'sub' }, label) : null);
}

/**
 * @param {ViewContext} ctx
 */
function activityTab(ctx) {
  const { api } = ctx;
  const lang = getLanguage();
  const ae = h('input', { class: 'input input-ae mono', name: 'ae', value: ctx.query.get('ae') || '', placeholder: t('dicom.act.aePlaceholder'), testid: 'activity-ae', 'aria-label': t('dicom.act.aePlaceholder'), spellcheck: 'false' });
  const failures = h('input', { type: 'checkbox', checked: ctx.query.get('failures') === 'true', testid: 'activity-failures' });

  /** @type {{ae: string, failures: boolean}} */
  let applied = { ae: '', failures: false };

  /** @param {DimseActivity} r */
  const resultCell = (r) => {
    const s = activityStatus(t, r, lang);
    return h(
      'span',
      { class: `status-cell status-${s.tone}`, title: t('dicom.act.statusCode', { code: s.code }), testid: 'activity-status' },
      h('span', { class: 'status-main' }, icon(s.tone === 'green' ? 'checkCircle' : s.tone === 'red' || s.tone === 'orange' ? 'alert' : 'info'), h('span', null, s.main)),
      h('span', { class: 'sub mono' }, s.code),
    );
  };

  /** @type {import('../components/ui.js').Column<DimseActivity>[]} */
  const columns = [
    { title: t('dicom.act.at'), render: (r) => formatDateTime(r.at, { seconds: true }), className: 'nowrap' },
    { title: t('dicom.act.direction'), render: (r) => h('span', { title: directionHint(t, r.direction) }, directionLabel(t, r.direction)), className: 'nowrap' },
    { title: t('dicom.act.operation'), render: (r) => operationCell(r.operation) },
    {
      title: t('dicom.act.nodes'),
      render: (r) => h('span', { class: 'stack-cell' }, h('span', { class: 'ae-pair' }, h('code', { class: 'ae' }, r.callingAETitle), h('span', { class: 'arrow' }, '→'), h('code', { class: 'ae' }, r.calledAETitle)), h('span', { class: 'sub mono' }, r.peerHost)),
    },
    { title: t('dicom.act.result'), render: resultCell, className: 'result-col' },
    {
      // The SOP class, and under it what the server noted (the image's UID, "0 matches", why it failed).
      title: t('dicom.act.sopDetail'),
      render: (r) =>
        h(
          'span',
          { class: 'stack-cell sop-cell' },
          h('span', { class: 'clip sop', title: r.sopClassUID || '' }, r.sopClassName || r.sopClassUID || ''),
          r.detail ? h('span', { class: 'sub clip detail', title: r.detail }, r.detail) : null,
        ),
    },
  ];
  const table = dataTable({
    columns,
    testid: 'activity-table',
    rowProps: (r) => ({ testid: `activity-row-${r.id}`, class: statusRowClass(r.statusKind) || undefined, dataset: { kind: r.statusKind, operation: r.operation } }),
    empty: () => (applied.ae || applied.failures ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('dicom.act.empty'), text: t('dicom.act.emptyHint') }),
  });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: (page, pageSize) => api.request('GET', '/api/dicom/activity', { query: { ae: applied.ae, failures: applied.failures ? 'true' : '', page, pageSize }, signal: ctx.signal }),
  });
  const apply = () => {
    applied = { ae: ae.value.trim(), failures: failures.checked };
    list.search();
  };

  const toolbar = searchToolbar({
    filters: [ae, h('label', { class: 'switch-label' }, failures, h('span', null, t('dicom.act.failuresOnly')))],
    queryTestid: 'activity-query',
    onSearch: apply,
    onReset: () => {
      ae.value = '';
      failures.checked = false;
    },
  });
  failures.addEventListener('change', apply);

  return { actions: null, body: [toolbar, table.el, pg.el], start: apply };
}
