// 申请单扫描件 (REG-05, REG-15): the pure part of uploading scanned or photographed paper order forms —
// which files the desk sends, the multipart body, and the server's refusals in words. The server keeps JPG and PNG
// as sent: POST /api/scheduling/orders/{id}/documents (415 not a picture, 413 above 20 MB, 409 more than 20 per order).
import { ApiError } from './api.js';

export const SCAN_TYPES = ['image/jpeg', 'image/png'];
/** The file input's accept: pictures only, so phones and document cameras offer the camera. */
export const SCAN_ACCEPT = 'image/jpeg,image/png';
export const SCAN_MAX_BYTES = 20 * 1024 * 1024;
export const SCAN_MAX_PER_ORDER = 20;

/** @typedef {{key: string, params?: Record<string, string | number>}} Problem */

/**
 * A JPG or PNG by its type, or by its name when the browser gives no type.
 * @param {{name: string, type?: string}} file
 */
export function isScanFile(file) {
  if (file.type) return SCAN_TYPES.includes(file.type);
  return /\.(jpe?g|png)$/i.test(file.name || '');
}

/**
 * The files the desk sends of those chosen or dropped, and why the others stay behind (not a picture, too large,
 * more than the order may keep).
 * @template {{name: string, size: number, type?: string}} F
 * @param {F[]} incoming
 * @param {number} existing scans the order already has (plus those already waiting)
 * @returns {{accepted: F[], problems: Problem[]}}
 */
export function checkScanFiles(incoming, existing) {
  /** @type {F[]} */
  const accepted = [];
  /** @type {string[]} */
  const notPicture = [];
  /** @type {string[]} */
  const tooLarge = [];
  /** @type {string[]} */
  const tooMany = [];
  for (const file of incoming) {
    if (!isScanFile(file)) notPicture.push(file.name);
    else if (file.size > SCAN_MAX_BYTES) tooLarge.push(file.name);
    else if (existing + accepted.length >= SCAN_MAX_PER_ORDER) tooMany.push(file.name);
    else accepted.push(file);
  }
  /** @type {Problem[]} */
  const problems = [];
  const names = (/** @type {string[]} */ list) => list.join('、');
  if (notPicture.length) problems.push({ key: 'reg.scan.err.type', params: { names: names(notPicture) } });
  if (tooLarge.length) problems.push({ key: 'reg.scan.err.size', params: { names: names(tooLarge) } });
  if (tooMany.length) problems.push({ key: 'reg.scan.err.count', params: { names: names(tooMany), max: SCAN_MAX_PER_ORDER } });
  return { accepted, problems };
}

/**
 * The multipart body of an upload: one `file` part per picture.
 * @param {Blob[]} files
 * @param {{new (): FormData}} [FormDataImpl]
 */
export function scanFormData(files, FormDataImpl = FormData) {
  const form = new FormDataImpl();
  for (const f of files) form.append('file', f, /** @type {any} */ (f).name || 'scan.jpg');
  return form;
}

/**
 * The server's refusal of an upload as the desk says it (the status decides, the server's message is the fallback).
 * @param {unknown} error
 * @returns {Problem | null} null: not one of the upload refusals
 */
export function scanUploadProblem(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 415) return { key: 'reg.scan.server.type' };
  if (error.status === 413) return { key: 'reg.scan.server.size' };
  if (error.status === 409) return { key: 'reg.scan.server.count', params: { max: SCAN_MAX_PER_ORDER } };
  return null;
}

/** @param {number} id */
export const scanUrl = (id) => `/api/scheduling/documents/${id}`;
/** @param {number} orderId */
export const orderScansUrl = (orderId) => `/api/scheduling/orders/${orderId}/documents`;

/**
 * Percent of an upload sent (0–100).
 * @param {number} loaded @param {number} total
 */
export function uploadPercent(loaded, total) {
  if (!total) return 0;
  return Math.max(0, Math.min(100, Math.round((loaded / total) * 100)));
}
