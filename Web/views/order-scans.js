// 申请单扫描件 on the registration desk (REG-05, REG-15): scanned or photographed paper order forms kept with the order.
// - scanStrip(): in each order card, the order's scans as small thumbnails and 申请单扫描件 (opens the dialog);
// - openScansDialog(): choose (the file input asks phones and document cameras for the camera), drag and drop, upload
//   with progress (POST /api/scheduling/orders/{id}/documents, multipart), the order's scans as thumbnails, 查看大图, 删除
//   after a confirmation; the server's refusals (415 not a picture, 413 too large, 409 too many) in words;
// - scanChooser() + uploadScans(): the same choice inside 新建申请单, sent once the order is saved.
// Pictures are read with the session (GET /api/scheduling/documents/{id}, audited) as blobs and shown through object
// URLs, which are revoked when their list is redrawn or the dialog closes.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { formatBytes } from '../lib/archive.js';
import { SCAN_ACCEPT, SCAN_MAX_BYTES, SCAN_MAX_PER_ORDER, checkScanFiles, scanFormData, scanUploadProblem, scanUrl, orderScansUrl, uploadPercent } from '../lib/order-scans.js';
import { button, openModal, confirmDialog, toast, errorText } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {{id: number, orderId: number, filename: string, contentType: string, sizeBytes: number, createdBy: string, createdAt: string}} OrderScan */
/** @typedef {{id: number, orderNo: string}} ScanOrder */

/**
 * The picture of a scan as a blob, read with the session cookie.
 * @param {number} id @param {AbortSignal} [signal]
 */
export async function fetchScan(id, signal) {
  const response = await fetch(scanUrl(id), { credentials: 'same-origin', headers: { Accept: 'image/*' }, signal });
  if (!response.ok) throw new Error(t('error.http', { status: response.status }));
  return response.blob();
}

/** Object URLs of one list of thumbnails, revoked together. */
function urlBag() {
  /** @type {string[]} */
  let urls = [];
  return {
    /** @param {Blob} blob */
    add(blob) {
      const url = URL.createObjectURL(blob);
      urls.push(url);
      return url;
    },
    revoke() {
      for (const u of urls) URL.revokeObjectURL(u);
      urls = [];
    },
  };
}

/**
 * A thumbnail <img> that loads its picture with the session.
 * @param {OrderScan} doc @param {ReturnType<typeof urlBag>} bag @param {string} testid
 */
function thumbImage(doc, bag, testid) {
  const img = /** @type {HTMLImageElement} */ (h('img', { alt: doc.filename, testid, dataset: { scanId: String(doc.id) }, loading: 'lazy' }));
  fetchScan(doc.id)
    .then((blob) => {
      img.src = bag.add(blob);
    })
    .catch(() => {
      img.alt = t('reg.scan.loadFailed');
      img.classList.add('is-broken');
    });
  return img;
}

/**
 * 查看大图: the picture at full size with its name, size and who scanned it; 删除 from here too.
 * @param {ViewContext} ctx @param {OrderScan} doc @param {() => void} onDeleted
 */
export function viewScan(ctx, doc, onDeleted) {
  const bag = urlBag();
  const img = /** @type {HTMLImageElement} */ (h('img', { class: 'reg-scan-large-img', alt: doc.filename, testid: 'reg-scan-large-img' }));
  const state = h('div', { class: 'muted reg-scan-large-state' }, t('common.loading'));
  fetchScan(doc.id)
    .then((blob) => {
      img.src = bag.add(blob);
      state.remove();
    })
    .catch((error) => {
      state.textContent = errorText(error);
    });
  const del = button(t('common.delete'), { variant: 'danger', icon: 'x', testid: 'reg-scan-large-delete' });
  const close = button(t('common.close'), { testid: 'reg-scan-large-close' });
  const modal = openModal({
    title: t('reg.scan.viewTitle', { name: doc.filename }),
    size: 'xl',
    testid: 'reg-scan-large',
    body: h(
      'div',
      { class: 'reg-scan-large' },
      h('div', { class: 'reg-scan-large-meta muted' }, t('reg.scan.meta', { size: formatBytes(doc.sizeBytes), by: doc.createdBy || '—', at: doc.createdAt.slice(0, 16).replace('T', ' ') })),
      state,
      h('div', { class: 'reg-scan-large-frame' }, img),
    ),
    footer: h('div', { class: 'footer-buttons' }, del, close),
    onClose: () => bag.revoke(),
    initialFocus: close,
  });
  close.addEventListener('click', modal.close);
  del.addEventListener('click', async () => {
    if (await deleteScan(ctx, doc)) {
      modal.close();
      onDeleted();
    }
  });
}

/**
 * 删除 after a confirmation. Resolves true when it is gone.
 * @param {ViewContext} ctx @param {OrderScan} doc
 */
async function deleteScan(ctx, doc) {
  const ok = await confirmDialog({ title: t('reg.scan.deleteTitle'), message: t('reg.scan.deleteConfirm', { name: doc.filename }), confirmText: t('common.delete'), danger: true });
  if (!ok) return false;
  try {
    await ctx.api.del(scanUrl(doc.id));
    toast(t('reg.scan.deleted', { name: doc.filename }), 'success');
    return true;
  } catch (error) {
    toast(errorText(error), 'error');
    return false;
  }
}

/**
 * Send pictures to an order, one multipart request, with progress.
 * @param {ViewContext} ctx @param {number} orderId @param {File[]} files
 * @param {(pct: number, loaded: number, total: number) => void} [onProgress]
 * @returns {Promise<OrderScan[]>}
 */
export async function uploadScans(ctx, orderId, files, onProgress) {
  /** @type {{items: OrderScan[]}} */
  const answer = await ctx.api.request('POST', orderScansUrl(orderId), {
    form: scanFormData(files),
    onUploadProgress: ({ loaded, total }) => onProgress?.(uploadPercent(loaded, total), loaded, total),
  });
  return answer.items;
}

/**
 * A refused upload in words: the status decides (415, 413, 409), else the server's message.
 * @param {unknown} error
 */
export function uploadErrorText(error) {
  const p = scanUploadProblem(error);
  return p ? t(p.key, p.params) : errorText(error);
}

/**
 * Drop zone + 选择文件 / 拍照: picks JPG and PNG pictures and hands them on; what cannot go is said under it.
 * @param {{testid: string, onFiles: (files: File[]) => void}} o
 */
function dropZone(o) {
  const input = /** @type {HTMLInputElement} */ (
    h('input', { type: 'file', multiple: true, accept: SCAN_ACCEPT, capture: 'environment', class: 'offscreen', tabindex: '-1', 'aria-hidden': 'true', testid: `${o.testid}-input` })
  );
  const choose = button(t('reg.scan.choose'), { icon: 'upload', testid: `${o.testid}-choose`, onclick: () => input.click() });
  const zone = h(
    'div',
    { class: 'drop-zone reg-scan-drop', testid: o.testid },
    h('div', { class: 'drop-icon' }, icon('upload')),
    h('div', { class: 'drop-title' }, h('span', null, t('reg.scan.drop')), choose),
    h('div', { class: 'drop-hint muted' }, t('reg.scan.hint', { size: formatBytes(SCAN_MAX_BYTES), max: SCAN_MAX_PER_ORDER })),
    input,
  );
  input.addEventListener('change', () => {
    const files = input.files ? [...input.files] : [];
    input.value = '';
    if (files.length) o.onFiles(files);
  });
  /** @param {DragEvent} e */
  const over = (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('is-over');
  };
  zone.addEventListener('dragenter', over);
  zone.addEventListener('dragover', over);
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(/** @type {Node | null} */ (e.relatedTarget))) zone.classList.remove('is-over');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('is-over');
    const files = e.dataTransfer ? [...e.dataTransfer.files] : [];
    if (files.length) o.onFiles(files);
  });
  return { zone, input };
}

function progressBar(/** @type {string} */ testid) {
  const fill = h('div', { class: 'progress-fill' });
  const text = h('span', { class: 'progress-text', testid: `${testid}-text` });
  const el = h('div', { class: 'reg-scan-progress', testid, hidden: true, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, h('span', { class: 'spinner' }), h('div', { class: 'progress-body' }, text, h('div', { class: 'progress-track' }, fill)));
  return {
    el,
    /** @param {number} pct @param {number} loaded @param {number} total @param {number} n */
    show(pct, loaded, total, n) {
      el.hidden = false;
      el.setAttribute('aria-valuenow', String(pct));
      fill.style.width = `${pct}%`;
      text.textContent = total > 0 && loaded >= total ? t('reg.scan.saving') : t('reg.scan.uploading', { n, pct, loaded: formatBytes(loaded), total: formatBytes(total) });
    },
    hide() {
      el.hidden = true;
    },
  };
}

/** @param {{key: string, params?: Record<string, string | number>}[]} problems @param {HTMLElement} list */
function showProblemList(problems, list) {
  replace(list, problems.map((p) => h('li', null, icon('alert'), h('span', null, t(p.key, p.params)))));
  list.hidden = problems.length === 0;
}

/**
 * The 申请单扫描件 dialog of an order.
 * @param {ViewContext} ctx
 * @param {ScanOrder} order
 * @param {{intro?: string, onChange?: () => void, error?: string}} [o] intro: a line on top (after 新建申请单);
 *   error: an upload refusal to show at once
 */
export function openScansDialog(ctx, order, o = {}) {
  const bag = urlBag();
  /** @type {OrderScan[]} */
  let docs = [];
  let busy = false;
  let changed = false;
  const grid = h('ul', { class: 'reg-scan-grid', testid: 'reg-scan-grid', 'aria-busy': 'true' });
  const count = h('span', { class: 'muted', testid: 'reg-scan-count' });
  const problems = h('ul', { class: 'convert-problems reg-scan-problems', testid: 'reg-scan-problems', role: 'alert', hidden: true });
  const alert = h('div', { class: 'form-alert', role: 'alert', testid: 'reg-scan-alert', hidden: true });
  const progress = progressBar('reg-scan-progress');
  const drop = dropZone({ testid: 'reg-scan-drop', onFiles: (files) => send(files) });

  const closeButton = button(t('common.close'), { testid: 'reg-scan-close' });
  const modal = openModal({
    title: t('reg.scan.title', { orderNo: order.orderNo }),
    size: 'lg',
    testid: 'reg-scans-dialog',
    body: h(
      'div',
      { class: 'reg-scans' },
      o.intro ? h('p', { class: 'notice', testid: 'reg-scan-intro' }, icon('check'), h('span', null, o.intro)) : null,
      alert,
      drop.zone,
      problems,
      progress.el,
      h('div', { class: 'reg-scan-head' }, h('h3', { class: 'reg-subtitle' }, t('reg.scan.saved')), count),
      grid,
    ),
    footer: h('div', { class: 'footer-buttons' }, closeButton),
    initialFocus: closeButton,
    onClose: () => {
      bag.revoke();
      if (changed) o.onChange?.();
    },
  });
  closeButton.addEventListener('click', modal.close);
  if (o.error) {
    alert.textContent = o.error;
    alert.hidden = false;
  }

  async function load() {
    grid.setAttribute('aria-busy', 'true');
    try {
      /** @type {{items: OrderScan[]}} */
      const answer = await ctx.api.get(orderScansUrl(order.id));
      docs = answer.items;
      render();
    } catch (error) {
      replace(grid, h('li', { class: 'table-state error' }, errorText(error)));
    } finally {
      grid.removeAttribute('aria-busy');
    }
  }

  function render() {
    bag.revoke();
    count.textContent = t('reg.scan.count', { n: docs.length, max: SCAN_MAX_PER_ORDER });
    if (docs.length === 0) {
      replace(grid, h('li', { class: 'reg-scan-empty muted', testid: 'reg-scan-empty' }, t('reg.scan.none')));
      return;
    }
    replace(
      grid,
      docs.map((doc) =>
        h(
          'li',
          { class: 'reg-scan-item', testid: 'reg-scan-item', dataset: { scanId: String(doc.id) } },
          h(
            'button',
            { type: 'button', class: 'reg-scan-thumb', title: t('reg.scan.view'), 'aria-label': t('reg.scan.viewName', { name: doc.filename }), testid: 'reg-scan-open', onclick: () => viewScan(ctx, doc, afterDelete) },
            thumbImage(doc, bag, 'reg-scan-thumb'),
          ),
          h('span', { class: 'reg-scan-name clip', title: doc.filename, testid: 'reg-scan-name' }, doc.filename),
          h(
            'span',
            { class: 'reg-scan-sub muted' },
            formatBytes(doc.sizeBytes),
            h(
              'button',
              { type: 'button', class: 'btn btn-link btn-sm reg-scan-delete', testid: 'reg-scan-delete', onclick: async () => { if (await deleteScan(ctx, doc)) afterDelete(); } },
              t('common.delete'),
            ),
          ),
        ),
      ),
    );
  }

  function afterDelete() {
    changed = true;
    load();
  }

  /** @param {File[]} files */
  async function send(files) {
    if (busy) return;
    alert.hidden = true;
    const { accepted, problems: found } = checkScanFiles(files, docs.length);
    showProblemList(found, problems);
    if (accepted.length === 0) return;
    busy = true;
    drop.zone.classList.add('is-busy');
    const total = accepted.reduce((s, f) => s + f.size, 0);
    progress.show(0, 0, total, accepted.length);
    try {
      const saved = await uploadScans(ctx, order.id, accepted, (pct, loaded, all) => progress.show(pct, loaded, all, accepted.length));
      toast(t('reg.scan.uploaded', { n: saved.length }), 'success');
    } catch (error) {
      alert.textContent = uploadErrorText(error);
      alert.hidden = false;
    } finally {
      busy = false;
      changed = true;
      drop.zone.classList.remove('is-busy');
      progress.hide();
      await load();
    }
  }

  load();
  return modal;
}

/**
 * In an order card: the scans as small thumbnails (click: 查看大图) and 申请单扫描件 (the dialog).
 * @param {ViewContext} ctx @param {ScanOrder} order
 */
export function scanStrip(ctx, order) {
  const bag = urlBag();
  ctx.signal?.addEventListener('abort', () => bag.revoke(), { once: true });
  const thumbs = h('div', { class: 'reg-scan-strip-thumbs', testid: 'reg-scan-strip-thumbs' });
  const label = h('span', { testid: 'reg-scans-label' }, t('reg.scan.button'));
  const open = h('button', { type: 'button', class: 'btn btn-default btn-sm', testid: 'reg-scans', onclick: () => openScansDialog(ctx, order, { onChange: load }) }, icon('upload'), label);
  const el = h('div', { class: 'reg-scan-strip', testid: 'reg-scan-strip' }, open, thumbs);

  async function load() {
    try {
      /** @type {{items: OrderScan[]}} */
      const answer = await ctx.api.get(orderScansUrl(order.id), undefined, ctx.signal);
      bag.revoke();
      label.textContent = answer.items.length ? t('reg.scan.buttonCount', { n: answer.items.length }) : t('reg.scan.button');
      el.dataset.count = String(answer.items.length);
      replace(
        thumbs,
        answer.items.map((doc) =>
          h('button', { type: 'button', class: 'reg-scan-mini', title: doc.filename, 'aria-label': t('reg.scan.viewName', { name: doc.filename }), testid: 'reg-scan-mini', onclick: () => viewScan(ctx, doc, load) }, thumbImage(doc, bag, 'reg-scan-mini-img')),
        ),
      );
    } catch {
      // The strip is a convenience; the dialog shows the error.
    }
  }
  load();
  return el;
}

/**
 * For 新建申请单: pictures chosen before the order exists, sent by uploadScans() once it is saved.
 */
export function scanChooser() {
  /** @type {{file: File, url: string}[]} */
  let chosen = [];
  const list = h('ul', { class: 'reg-scan-chosen', testid: 'reg-f-scan-list' });
  const problems = h('ul', { class: 'convert-problems reg-scan-problems', testid: 'reg-f-scan-problems', role: 'alert', hidden: true });
  const progress = progressBar('reg-f-scan-progress');
  const drop = dropZone({
    testid: 'reg-f-scan-drop',
    onFiles: (files) => {
      const { accepted, problems: found } = checkScanFiles(files, chosen.length);
      showProblemList(found, problems);
      for (const file of accepted) chosen.push({ file, url: URL.createObjectURL(file) });
      render();
    },
  });
  function render() {
    replace(
      list,
      chosen.map((c, i) =>
        h(
          'li',
          { class: 'reg-scan-item', testid: 'reg-f-scan' },
          h('span', { class: 'reg-scan-thumb' }, h('img', { src: c.url, alt: c.file.name })),
          h('span', { class: 'reg-scan-name clip', title: c.file.name }, c.file.name),
          h(
            'span',
            { class: 'reg-scan-sub muted' },
            formatBytes(c.file.size),
            h('button', { type: 'button', class: 'btn btn-link btn-sm', testid: 'reg-f-scan-remove', onclick: () => { URL.revokeObjectURL(c.url); chosen.splice(i, 1); render(); } }, t('reg.scan.remove')),
          ),
        ),
      ),
    );
  }
  return {
    el: h('div', { class: 'reg-scan-chooser', testid: 'reg-f-scans' }, h('p', { class: 'muted reg-scan-chooser-note' }, t('reg.scan.formNote')), drop.zone, problems, list, progress.el),
    progress,
    files: () => chosen.map((c) => c.file),
    dispose() {
      for (const c of chosen) URL.revokeObjectURL(c.url);
      chosen = [];
    },
  };
}
