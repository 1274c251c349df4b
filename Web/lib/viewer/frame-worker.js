// Module worker: fetches one frame (WADO-RS, native pixels, gzip on the wire), splits the multipart answer and
// decodes the bytes into the typed array the GPU takes — all off the main thread. The array's buffer is
// transferred back, not copied.

import { boundaryOf, parseMultipart } from './multipart.js';
import { decodePixels } from './pixels.js';
import { FRAME_ACCEPT } from './dicomweb.js';

/** @typedef {{ id: number, url: string, info: import('./pixels.js').ImageInfo }} FrameRequest */

const scope = /** @type {any} */ (self);

scope.onmessage = async (/** @type {MessageEvent<FrameRequest>} */ e) => {
  const { id, url, info } = e.data;
  try {
    const r = await fetch(url, { headers: { Accept: FRAME_ACCEPT }, credentials: 'same-origin' });
    if (!r.ok) {
      scope.postMessage({ id, status: r.status, error: `HTTP ${r.status}` });
      return;
    }
    const buffer = await r.arrayBuffer();
    const boundary = boundaryOf(r.headers.get('Content-Type'));
    const body = boundary ? parseMultipart(buffer, boundary)[0]?.body : new Uint8Array(buffer);
    if (!body) throw new Error('empty multipart answer');
    const pixels = decodePixels(info, buffer, body.byteOffset);
    scope.postMessage({ id, pixels, bytes: buffer.byteLength }, [pixels.buffer]);
  } catch (error) {
    scope.postMessage({ id, status: 0, error: String(/** @type {any} */ (error)?.message ?? error) });
  }
};
