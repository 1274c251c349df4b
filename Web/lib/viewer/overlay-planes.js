// DICOM overlay planes (叠加层, groups 60xx; PS3.3 C.9.2 Overlay Plane and C.9.3 Multi-frame Overlay) for the
// viewer (VIEW-01). The WADO-RS metadata describes each plane (Overlay Rows/Columns/Origin/Type/Bits Allocated/
// Bit Position, Number of Frames in Overlay, Image Frame Origin) and carries Overlay Data (60xx,3000) inline
// (InlineBinary, small planes) or as a BulkDataURI (…/bulkdata/60003000) fetched with the session cookie.
//
// Decoding follows PS3.5 8.1.2: overlay pixels are packed one bit each, in row order, frame after frame,
// little-endian bit order — pixel i is bit (i mod 8) of byte ⌊i / 8⌋, the first pixel in the least significant
// bit — and a frame starts right after the previous one's last bit (not on a byte boundary). For the rare plane
// with Overlay Bits Allocated > 1 in its own Overlay Data, pixel i is bit Bit Position of the i-th little-endian
// word of that many bits, which is the same bit stream read at i·bitsAllocated + bitPosition.
//
// Frames: a plane with Number of Frames in Overlay (60xx,0015) covers image frames Image Frame Origin
// (60xx,0051, default 1) … origin + n − 1, its k-th overlay frame on image frame origin + k; a plane without it
// is one frame that applies to every frame of the image.
//
// Not handled: overlays embedded in unused high bits of the pixel data (retired since 2004; planes without
// Overlay Data are skipped) and big-endian Overlay Data (DICOMweb sends little endian).
//
// Planes are drawn on the 2D annotation canvas through the view transform, so they sit in image coordinates and
// follow zoom, pan, rotation and flips; origin (1, 1) is the image's top-left pixel.

import { numbers, strings } from './pixels.js';
import { viewMatrix } from './view-transform.js';
import { boundaryOf, parseMultipart } from './multipart.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {import('./view-transform.js').ViewState} ViewState */
/**
 * One overlay plane as the metadata describes it.
 * @typedef {object} OverlayPlane
 * @property {number} group 0x6000 … 0x601E
 * @property {number} rows
 * @property {number} columns
 * @property {number} top image row of the plane's first row, 0-based (Overlay Origin row − 1)
 * @property {number} left image column of its first column, 0-based (Overlay Origin column − 1)
 * @property {'G' | 'R'} type graphics or ROI
 * @property {number} bitsAllocated
 * @property {number} bitPosition
 * @property {number | null} frames Number of Frames in Overlay; null: one plane for every image frame
 * @property {number} frameOrigin Image Frame Origin, 1-based
 * @property {string} label
 * @property {string} description
 * @property {{ inline: Uint8Array } | { uri: string } | null} data
 */
/** A plane ready to draw for one image frame. */
/** @typedef {{ plane: OverlayPlane, index: number, mask: Uint8Array }} PlaneFrame */

/** The 16 overlay groups, 6000–601E (even). */
export const OVERLAY_GROUPS = Array.from({ length: 16 }, (_, i) => 0x6000 + 2 * i);

/** @param {number} group @param {number} element DICOM JSON key, e.g. 60000010 */
const key = (group, element) => (group * 0x10000 + element).toString(16).toUpperCase().padStart(8, '0');

/** @param {string} s base64 → bytes (InlineBinary) */
export function base64Bytes(s) {
  const bin = atob(s.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Every overlay plane of an instance that has its own Overlay Data, in group order.
 * @param {DicomJson} meta @returns {OverlayPlane[]}
 */
export function overlayPlanes(meta) {
  /** @type {OverlayPlane[]} */
  const out = [];
  for (const group of OVERLAY_GROUPS) {
    const rows = numbers(meta, key(group, 0x0010))[0] ?? 0;
    const columns = numbers(meta, key(group, 0x0011))[0] ?? 0;
    const element = /** @type {{ vr: string, InlineBinary?: string, BulkDataURI?: string } | undefined} */ (meta[key(group, 0x3000)]);
    if (!(rows > 0 && columns > 0) || !element) continue;
    /** @type {OverlayPlane['data']} */
    let data = null;
    if (typeof element.BulkDataURI === 'string') data = { uri: element.BulkDataURI };
    else if (typeof element.InlineBinary === 'string') data = { inline: base64Bytes(element.InlineBinary) };
    if (!data) continue;
    const origin = numbers(meta, key(group, 0x0050));
    const count = numbers(meta, key(group, 0x0015))[0];
    out.push({
      group,
      rows,
      columns,
      top: (origin[0] ?? 1) - 1,
      left: (origin[1] ?? 1) - 1,
      type: (strings(meta, key(group, 0x0040))[0] ?? 'G').trim().toUpperCase() === 'R' ? 'R' : 'G',
      bitsAllocated: Math.max(1, numbers(meta, key(group, 0x0100))[0] ?? 1),
      bitPosition: Math.max(0, numbers(meta, key(group, 0x0102))[0] ?? 0),
      frames: count !== undefined && count > 0 ? count : null,
      frameOrigin: numbers(meta, key(group, 0x0051))[0] ?? 1,
      label: strings(meta, key(group, 0x1500))[0] ?? '',
      description: strings(meta, key(group, 0x0022))[0] ?? '',
      data,
    });
  }
  return out;
}

/**
 * Which of a plane's overlay frames belongs to an image frame: 0-based, or −1 for none.
 * @param {OverlayPlane} plane @param {number} imageFrame 1-based
 */
export function overlayFrameIndex(plane, imageFrame) {
  if (plane.frames === null) return 0;
  const i = imageFrame - plane.frameOrigin;
  return i >= 0 && i < plane.frames ? i : -1;
}

/**
 * Unpacks `count` pixels of a little-endian bit stream (PS3.5 8.1.2) into 0/1 bytes, pixel i at bit
 * start + i·stride of the stream. Bits past the end of the data are 0.
 * @param {Uint8Array} bytes @param {number} start bit offset of the first pixel
 * @param {number} count @param {number} [stride] bits per pixel (Overlay Bits Allocated)
 */
export function unpackBits(bytes, start, count, stride = 1) {
  const out = new Uint8Array(count);
  for (let i = 0, b = start; i < count; i++, b += stride) {
    const byte = b >>> 3;
    if (byte >= bytes.length) break;
    out[i] = (bytes[byte] >>> (b & 7)) & 1;
  }
  return out;
}

/**
 * The plane's mask for one image frame (rows × columns, row by row, 1 = overlay), or null when the plane has no
 * frame there.
 * @param {OverlayPlane} plane @param {Uint8Array} bytes its Overlay Data @param {number} imageFrame 1-based
 * @returns {PlaneFrame | null}
 */
export function planeMask(plane, bytes, imageFrame) {
  const index = overlayFrameIndex(plane, imageFrame);
  if (index < 0) return null;
  const n = plane.rows * plane.columns;
  return { plane, index, mask: unpackBits(bytes, index * n * plane.bitsAllocated + plane.bitPosition, n, plane.bitsAllocated) };
}

/**
 * RGBA bytes of a mask: `color` where set, transparent elsewhere.
 * @param {Uint8Array} mask @param {[number, number, number, number]} color
 */
export function maskRGBA(mask, color) {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    out.set(color, i * 4);
  }
  return out;
}

/** Overlay colour: opaque white, like overlays burnt in by modalities and `yunying dicom render --overlays`. */
export const OVERLAY_COLOR = /** @type {[number, number, number, number]} */ ([255, 255, 255, 255]);

/**
 * Fetches a BulkDataURI's bytes (a one-part multipart/related answer, or the bytes themselves).
 * @param {string} uri @returns {Promise<Uint8Array>}
 */
export async function fetchBulkData(uri) {
  const r = await fetch(uri, { headers: { Accept: 'multipart/related; type="application/octet-stream"' }, credentials: 'same-origin' });
  if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status });
  const buffer = await r.arrayBuffer();
  const boundary = boundaryOf(r.headers.get('Content-Type'));
  return boundary ? parseMultipart(buffer, boundary)[0]?.body ?? new Uint8Array(0) : new Uint8Array(buffer);
}

/** @typedef {{ planes: OverlayPlane[], bytes: Map<number, Uint8Array | null> }} InstanceOverlays */
/** @typedef {{ plane: OverlayPlane, canvas: HTMLCanvasElement }} Drawable */

const CANVAS_CACHE = 24;

/**
 * The overlay planes of the instances a viewer shows: parsed once per SOP instance, Overlay Data fetched once
 * per plane (on first use), and a canvas per plane and frame kept for the last few drawn.
 */
export class OverlayStore {
  /**
   * @param {{ onLoad?: () => void, fetchBytes?: (uri: string) => Promise<Uint8Array> }} [o] onLoad: data arrived,
   *   draw again
   */
  constructor(o = {}) {
    this.onLoad = o.onLoad ?? (() => {});
    this.fetchBytes = o.fetchBytes ?? fetchBulkData;
    /** @type {Map<string, InstanceOverlays>} */
    this.instances = new Map();
    /** @type {Map<string, HTMLCanvasElement | null>} sop|group|overlay frame → canvas (null: nothing set) */
    this.canvases = new Map();
  }

  /** @param {string} sop @param {DicomJson} meta @returns {InstanceOverlays} */
  instance(sop, meta) {
    let inst = this.instances.get(sop);
    if (!inst) {
      inst = { planes: overlayPlanes(meta), bytes: new Map() };
      this.instances.set(sop, inst);
    }
    return inst;
  }

  /**
   * The planes of an image frame whose data is at hand, as masks; starts fetching the missing ones.
   * @param {string} sop @param {DicomJson} meta @param {number} frame 1-based
   * @returns {PlaneFrame[]}
   */
  masks(sop, meta, frame) {
    const inst = this.instance(sop, meta);
    /** @type {PlaneFrame[]} */
    const out = [];
    for (const plane of inst.planes) {
      if (overlayFrameIndex(plane, frame) < 0) continue;
      const bytes = this.bytesOf(inst, plane);
      const m = bytes && planeMask(plane, bytes, frame);
      if (m) out.push(m);
    }
    return out;
  }

  /** @param {InstanceOverlays} inst @param {OverlayPlane} plane @returns {Uint8Array | null} */
  bytesOf(inst, plane) {
    if (!plane.data) return null;
    if ('inline' in plane.data) return plane.data.inline;
    if (inst.bytes.has(plane.group)) return inst.bytes.get(plane.group) ?? null;
    inst.bytes.set(plane.group, null); // asked for; null until it arrives (and after a failure)
    this.fetchBytes(plane.data.uri).then(
      (b) => {
        inst.bytes.set(plane.group, b);
        this.onLoad();
      },
      (e) => console.warn('overlay data', plane.data, e),
    );
    return null;
  }

  /**
   * Canvases to draw for an image frame (browser only).
   * @param {string} sop @param {DicomJson} meta @param {number} frame
   * @returns {Drawable[]}
   */
  drawables(sop, meta, frame) {
    /** @type {Drawable[]} */
    const out = [];
    const inst = this.instance(sop, meta);
    if (!inst.planes.length) return out;
    for (const plane of inst.planes) {
      const index = overlayFrameIndex(plane, frame);
      if (index < 0) continue;
      const k = `${sop}|${plane.group}|${index}`;
      let canvas = this.canvases.get(k);
      if (canvas === undefined) {
        const bytes = this.bytesOf(inst, plane);
        const m = bytes && planeMask(plane, bytes, frame);
        if (!m) continue; // not loaded yet
        canvas = m.mask.includes(1) ? maskCanvas(m.mask, plane.columns, plane.rows, OVERLAY_COLOR) : null;
        this.canvases.set(k, canvas);
        if (this.canvases.size > CANVAS_CACHE) this.canvases.delete(/** @type {string} */ (this.canvases.keys().next().value));
      } else {
        // Most recently used last.
        this.canvases.delete(k);
        this.canvases.set(k, canvas);
      }
      if (canvas) out.push({ plane, canvas });
    }
    return out;
  }
}

/**
 * @param {Uint8Array} mask @param {number} width @param {number} height @param {[number, number, number, number]} color
 * @returns {HTMLCanvasElement}
 */
function maskCanvas(mask, width, height, color) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.putImageData(new ImageData(maskRGBA(mask, color), width, height), 0, 0);
  return canvas;
}

/**
 * Draws planes on a 2D context in device pixels of a viewport, through the view transform. Magnified, each overlay
 * pixel is a sharp block over its image pixel; reduced (zoom < 1), the browser's high-quality filter keeps thin
 * lines from dropping out.
 * @param {CanvasRenderingContext2D} ctx @param {ViewState} view @param {Drawable[]} items
 */
export function drawOverlayPlanes(ctx, view, items) {
  if (!items.length) return;
  const m = viewMatrix(view);
  ctx.save();
  ctx.setTransform(m.a, m.b, m.c, m.d, m.e, m.f);
  const reduce = view.zoom < 1;
  ctx.imageSmoothingEnabled = reduce;
  if (reduce) ctx.imageSmoothingQuality = 'high';
  for (const { plane, canvas } of items) ctx.drawImage(canvas, plane.left, plane.top);
  ctx.restore();
}
