// 查询远程PACS (VIEW-01, issue #6): a dialog of the 检查列表 page. Choose a remote PACS (a DICOM 节点), search it by
// 患者姓名 / 患者ID / 检查号 / 检查日期 / 设备类型 (C-FIND through the server), and 取回 a study (C-MOVE to us) with its
// progress (the study's images in our archive counted over QIDO-RS while the move runs) and the outcome; a study here
// already, or once retrieved, has 打开 to read it in the viewer. Everyone who may open this page (study.view) may use
// it: the nodes come from GET /api/dicom/remote-nodes (active nodes, without their addresses); with none configured
// the dialog says to ask the system administrator. The retrieved study belongs to the node's institution (or the
// hospital's), so a user outside it is told that it arrived but is not theirs to see.
// Why 检查列表 and not the viewer: retrieving is finding a study that is not here yet, which is what this page is for;
// the viewer always has a study open already, and the retrieved study then opens in its own viewer tab like any other.

import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, acceptLanguage } from '../lib/i18n.js';
import { MODALITIES, viewerUrl, viewerWindowName, fetchStudies } from '../lib/worklist.js';
import { checkCriteria, queryBody, queryableNodes, nodeLabel, displayDate, personName, progress, errorKind } from '../lib/remote-pacs.js';
import { openModal, button, select, errorText } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/remote-pacs.js').RemoteAE} RemoteAE */
/** @typedef {import('../lib/remote-pacs.js').RemoteStudy} RemoteStudy */
/** @typedef {import('../lib/remote-pacs.js').RemoteCriteria} RemoteCriteria */

const NODE_KEY = 'yy.remotePacs.node';
const POLL_MS = 1000;

/** @returns {Storage | null} */
function store() {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/**
 * The 查询远程PACS button of the 检查列表 page.
 * @param {ViewContext} ctx @param {(uid: string) => void} openViewer @param {() => void} [onRetrieved] the local list may have changed
 */
export function remotePacsButton(ctx, openViewer, onRetrieved) {
  return button(t('remote.button'), {
    icon: 'network',
    testid: 'wl-remote',
    title: t('remote.buttonHint'),
    onclick: () => openRemotePacs(ctx, openViewer, onRetrieved),
  });
}

/**
 * @param {ViewContext} ctx @param {(uid: string) => void} openViewer @param {() => void} [onRetrieved]
 * @param {Partial<RemoteCriteria>} [prefill]
 */
export function openRemotePacs(ctx, openViewer, onRetrieved, prefill = {}) {
  const controller = new AbortController();
  let retrieved = false;
  /** @type {RemoteAE[]} */
  let nodes = [];

  // ------------------------------------------------------------ criteria

  const nodeSelect = /** @type {HTMLSelectElement} */ (h('select', { class: 'input rp-node', testid: 'rp-node', 'aria-label': t('remote.node'), disabled: true }, h('option', { value: '' }, t('remote.loadingNodes'))));
  /** @param {string} name @param {string} placeholder @param {string} [value] */
  const text = (name, placeholder, value = '') => /** @type {HTMLInputElement} */ (h('input', { class: 'input', name, value, placeholder, testid: `rp-${name}`, autocomplete: 'off', spellcheck: 'false' }));
  const nameInput = text('patientName', t('remote.namePlaceholder'), prefill.patientName);
  const idInput = text('patientId', t('worklist.patientId'), prefill.patientId);
  const accInput = text('accessionNumber', t('worklist.accession'), prefill.accessionNumber);
  const fromInput = /** @type {HTMLInputElement} */ (h('input', { class: 'input input-date', type: 'date', name: 'from', value: prefill.from ?? '', testid: 'rp-from', 'aria-label': t('worklist.dateFrom') }));
  const toInput = /** @type {HTMLInputElement} */ (h('input', { class: 'input input-date', type: 'date', name: 'to', value: prefill.to ?? '', testid: 'rp-to', 'aria-label': t('worklist.dateTo') }));
  const modalitySelect = /** @type {HTMLSelectElement} */ (select(MODALITIES.map((m) => ({ value: m, label: m })), prefill.modality ?? '', { name: 'modality', testid: 'rp-modality' }, t('worklist.allModalities')));
  const queryButton = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn btn-primary', testid: 'rp-query', disabled: true }, icon('search'), h('span', null, t('common.query'))));
  const formAlert = h('div', { class: 'rp-alert', role: 'alert', testid: 'rp-alert', hidden: true });

  /** @param {string} label @param {import('../lib/dom.js').Child} control @param {string} [cls] */
  const field = (label, control, cls = '') => h('label', { class: ['rp-field', cls] }, h('span', { class: 'filter-label' }, label), control);

  const form = h(
    'form',
    { class: 'rp-form', testid: 'rp-form', novalidate: true, onsubmit: (/** @type {Event} */ e) => {
      e.preventDefault();
      void runQuery();
    } },
    h('div', { class: 'rp-node-row' }, field(t('remote.node'), nodeSelect, 'rp-f-node'), h('span', { class: 'rp-node-info', testid: 'rp-node-info' })),
    h(
      'div',
      { class: 'rp-grid' },
      field(t('worklist.patientName'), nameInput),
      field(t('worklist.patientId'), idInput),
      field(t('worklist.accession'), accInput),
      field(t('worklist.modality'), modalitySelect),
      field(t('worklist.studyDate'), h('span', { class: 'range rp-range' }, fromInput, h('span', { class: 'range-sep' }, t('worklist.toSep')), toInput), 'rp-f-date'),
      h('div', { class: 'rp-actions' }, queryButton),
    ),
    formAlert,
  );

  // ------------------------------------------------------------ results

  const summary = h('div', { class: 'rp-summary', testid: 'rp-summary', role: 'status' }, t('remote.startHint'));
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table rp-table', testid: 'rp-results' },
    h('thead', null, h('tr', null, [t('worklist.col.name'), t('worklist.col.patientId'), t('remote.col.date'), t('worklist.col.accession'), t('worklist.col.modality'), t('worklist.col.description'), t('remote.col.images'), t('common.actions')].map((c, i) => h('th', { class: i === 6 ? 'num' : i === 7 ? 'actions-col' : '' }, c)))),
    tbody,
  );
  const results = h('div', { class: 'table-wrap rp-table-wrap', hidden: true }, table);

  /** @param {string | null} message */
  function alertText(message) {
    formAlert.textContent = message ?? '';
    formAlert.hidden = !message;
  }

  const modal = openModal({
    title: t('remote.title'),
    size: 'xl',
    testid: 'remote-pacs-dialog',
    body: h('div', { class: 'rp-body' }, form, summary, results),
    footer: h('div', { class: 'modal-footer-inner' }, h('div', { class: 'footer-extra rp-foot-note' }, t('remote.footNote')), h('div', { class: 'footer-buttons' }, button(t('common.close'), { testid: 'rp-close', onclick: () => modal.close() }))),
    initialFocus: nameInput,
    onClose: () => {
      controller.abort();
      if (retrieved) onRetrieved?.();
    },
  });

  // ------------------------------------------------------------ the nodes

  async function loadNodes() {
    try {
      const answer = await ctx.api.request('GET', '/api/dicom/remote-nodes', { signal: controller.signal, handleAuth: true });
      nodes = queryableNodes(/** @type {RemoteAE[]} */ (answer?.items ?? []));
      if (!nodes.length) {
        replace(nodeSelect, h('option', { value: '' }, t('remote.noNodes')));
        alertText(t('remote.noNodesHint'));
        summary.hidden = true;
        return;
      }
      const remembered = Number(store()?.getItem(NODE_KEY));
      replace(nodeSelect, nodes.map((a) => h('option', { value: String(a.id), selected: a.id === remembered }, nodeLabel(a))));
      nodeSelect.disabled = false;
      queryButton.disabled = false;
      showNode();
    } catch (error) {
      if (/** @type {any} */ (error)?.name === 'AbortError') return;
      replace(nodeSelect, h('option', { value: '' }, t('remote.noNodes')));
      alertText(t(errorKind(error), { reason: errorText(error) }));
      summary.hidden = true;
    }
  }

  function showNode() {
    const a = nodes.find((x) => String(x.id) === nodeSelect.value);
    if (a) store()?.setItem(NODE_KEY, String(a.id));
  }
  nodeSelect.addEventListener('change', showNode);

  // ------------------------------------------------------------ query

  let seq = 0;
  async function runQuery() {
    const node = Number(nodeSelect.value);
    if (!node) return;
    /** @type {RemoteCriteria} */
    const criteria = {
      patientName: nameInput.value,
      patientId: idInput.value,
      accessionNumber: accInput.value,
      from: fromInput.value,
      to: toInput.value,
      modality: modalitySelect.value,
    };
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const problems = checkCriteria(criteria);
    if (Object.keys(problems).length) {
      alertText(Object.values(problems).map((k) => t(k)).join(' '));
      for (const name of Object.keys(problems)) form.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true');
      return;
    }
    alertText(null);
    const mine = ++seq;
    queryButton.disabled = true;
    queryButton.classList.add('is-busy');
    const a = nodes.find((x) => x.id === node);
    replace(summary, h('span', { class: 'spinner' }), h('span', null, t('remote.querying', { node: a?.aeTitle ?? '' })));
    try {
      const answer = await ctx.api.post(`/api/dicom/application-entities/${node}/query`, queryBody(criteria));
      if (mine !== seq || controller.signal.aborted) return;
      /** @type {RemoteStudy[]} */
      const items = answer?.items ?? [];
      items.sort((x, y) => (y.studyDate || '').localeCompare(x.studyDate || ''));
      const local = await localStudies(items.map((s) => s.studyInstanceUID));
      if (mine !== seq || controller.signal.aborted) return;
      replace(summary, items.length ? t('remote.found', { n: items.length, node: a?.aeTitle ?? '' }) : h('span', { testid: 'rp-empty' }, t('remote.none')));
      results.hidden = !items.length;
      replace(tbody, items.map((s) => row(node, s, local.get(s.studyInstanceUID) ?? null)));
    } catch (error) {
      if (mine !== seq || controller.signal.aborted) return;
      results.hidden = true;
      replace(tbody);
      replace(summary, h('span', { class: 'rp-error', testid: 'rp-query-error' }, t(errorKind(error), { reason: errorText(error) })));
    } finally {
      if (mine === seq) {
        queryButton.disabled = false;
        queryButton.classList.remove('is-busy');
      }
    }
  }

  /**
   * Which of the studies are here already, with their number of images (one QIDO-RS call).
   * @param {string[]} uids
   * @returns {Promise<Map<string, number>>}
   */
  async function localStudies(uids) {
    /** @type {Map<string, number>} */
    const found = new Map();
    const list = uids.filter(Boolean);
    if (!list.length) return found;
    try {
      const answer = await fetchStudies({ acceptLanguage: acceptLanguage(), translate: t }, [['StudyInstanceUID', list.join(',')], ['includefield', '00201208'], ['limit', String(list.length)]], controller.signal);
      for (const ds of answer.items) {
        const uid = String(ds['0020000D']?.Value?.[0] ?? '');
        const n = Number(ds['00201208']?.Value?.[0] ?? 0);
        if (uid) found.set(uid, n);
      }
    } catch {
      /* not knowing what is here only hides the 本地已有 marks */
    }
    return found;
  }

  /**
   * @param {number} node @param {RemoteStudy} s @param {number | null} localImages images here already (null: not here)
   */
  function row(node, s, localImages) {
    const name = personName(s.patientName);
    const status = h('div', { class: 'rp-status', testid: 'rp-status' });
    const action = h('div', { class: 'rp-action' });
    const openLink = () => h('a', {
      class: 'btn btn-primary btn-sm', href: viewerUrl(s.studyInstanceUID), target: viewerWindowName(s.studyInstanceUID), testid: 'rp-open',
      onclick: (/** @type {MouseEvent} */ e) => {
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        openViewer(s.studyInstanceUID);
      },
    }, icon('monitor'), h('span', null, t('worklist.open')));
    const retrieveButton = button(localImages === null ? t('remote.retrieve') : t('remote.retrieveAgain'), {
      variant: localImages === null ? 'primary' : 'default', class: `btn ${localImages === null ? 'btn-primary' : 'btn-default'} btn-sm`, icon: 'download', testid: 'rp-retrieve',
      onclick: () => void retrieve(),
    });
    if (localImages !== null) {
      replace(status, h('span', { class: 'badge badge-blue', testid: 'rp-local' }, t('remote.local', { n: localImages })));
      replace(action, openLink(), retrieveButton);
    } else replace(action, retrieveButton);

    async function retrieve() {
      retrieveButton.disabled = true;
      const expected = s.numberOfInstances ?? null;
      const bar = h('span', { class: 'rp-bar' }, h('span', { class: 'rp-bar-fill' }));
      const label = h('span', { class: 'rp-progress-text', testid: 'rp-progress' }, t('remote.retrieving'));
      replace(status, h('span', { class: 'rp-progress' }, h('span', { class: 'spinner spinner-sm' }), label, bar));
      const started = Date.now();
      let polling = true;
      const poll = async () => {
        while (polling && !controller.signal.aborted) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          if (!polling) break;
          const here = await localStudies([s.studyInstanceUID]);
          if (!polling) break;
          const p = progress(here.get(s.studyInstanceUID) ?? 0, expected);
          label.textContent = p.expected
            ? t('remote.progress', { n: p.received, total: p.expected, s: Math.round((Date.now() - started) / 1000) })
            : t('remote.progressUnknown', { n: p.received, s: Math.round((Date.now() - started) / 1000) });
          /** @type {HTMLElement} */ (bar.firstChild).style.width = `${Math.round((p.fraction ?? 0) * 100)}%`;
        }
      };
      void poll();
      try {
        const outcome = await ctx.api.post(`/api/dicom/application-entities/${node}/retrieve`, { studyInstanceUID: s.studyInstanceUID });
        polling = false;
        if (controller.signal.aborted) return;
        retrieved = true;
        if (outcome?.ok) {
          const here = await localStudies([s.studyInstanceUID]);
          const visible = here.has(s.studyInstanceUID);
          replace(status, h('span', { class: 'rp-ok', testid: 'rp-done' }, icon('check'), t('remote.done', { n: outcome.completed })),
            outcome.failed ? h('span', { class: 'rp-warn' }, t('remote.someFailed', { n: outcome.failed })) : null,
            visible ? null : h('span', { class: 'rp-warn', testid: 'rp-not-visible' }, t('remote.notVisible')));
          replace(action, visible ? openLink() : null);
        } else {
          replace(status, h('span', { class: 'rp-error', testid: 'rp-failed' }, icon('alert'), t('remote.failed', { reason: outcome?.message || '' })));
          retrieveButton.disabled = false;
          replace(action, retrieveButton);
        }
      } catch (error) {
        polling = false;
        if (controller.signal.aborted) return;
        replace(status, h('span', { class: 'rp-error', testid: 'rp-failed' }, icon('alert'), t(errorKind(error), { reason: errorText(error) })));
        retrieveButton.disabled = false;
        replace(action, retrieveButton);
      }
    }

    return h(
      'tr',
      { class: 'rp-row', testid: 'rp-row', dataset: { uid: s.studyInstanceUID } },
      h('td', null, h('span', { class: 'stack-cell' }, h('span', { class: 'strong' }, name.main || '—'), name.alt ? h('span', { class: 'sub' }, name.alt) : null)),
      h('td', null, h('span', { class: 'ident' }, s.patientId || '—')),
      h('td', null, displayDate(s.studyDate) || '—'),
      h('td', null, h('span', { class: 'ident' }, s.accessionNumber || '—')),
      h('td', null, s.modalities.length ? h('span', { class: 'wl-mods' }, s.modalities.map((m) => h('span', { class: 'wl-mod', dataset: { m } }, m))) : '—'),
      h('td', { class: 'rp-desc' }, h('span', { class: 'clip', title: s.description }, s.description || '—')),
      h('td', { class: 'num' }, s.numberOfInstances ?? '—'),
      h('td', { class: 'actions-col rp-actions-cell' }, h('div', { class: 'rp-cell' }, action, status)),
    );
  }

  void loadNodes();
  return modal;
}
