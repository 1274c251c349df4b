// Engine test page: the synthetic CT phantom through the whole path the viewer will use — DICOM JSON metadata,
// native pixel bytes decoded by pixels.js, one RenderingEngine with two viewports (left: signed 13-bit → R16I,
// soft-tissue window; right: unsigned 12-bit → R16UI, lung window). `window.engineTest` exposes hooks for
// Tests/e2e/test_viewer_engine.py: GPU read-back, the CPU reference, view changes and context loss.

import { RenderingEngine } from '../lib/viewer/gl-renderer.js';
import { imageInfo, decodePixels, renderGrey } from '../lib/viewer/pixels.js';
import { lut } from '../lib/viewer/luts.js';
import {
  oneToOne, flipHorizontal, flipVertical, rotateBy, zoomAt, imageToCanvas, canvasToImage, pixelAt,
} from '../lib/viewer/view-transform.js';
import { phantomHU, encodePhantom } from './phantom.js';

/** @typedef {import('../lib/viewer/pixels.js').Window} Window */
/** @typedef {import('../lib/viewer/pixels.js').VoiFunction} VoiFunction */
/** @typedef {import('../lib/viewer/luts.js').LutName} LutName */
/** @typedef {import('../lib/viewer/gl-renderer.js').Frame} Frame */

const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('gl'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const engine = new RenderingEngine(canvas);
// Taken now: once the context is lost, getExtension returns null, and restoreContext() needs this object.
const loseExt = engine.gl.getExtension('WEBGL_lose_context');

const hu = phantomHU();
/** @type {Record<string, Frame>} */
const frames = {};
for (const [id, encoding, windowIndex] of /** @type {[string, { bitsStored: number, signed: boolean }, number][]} */ ([
  ['left', { bitsStored: 13, signed: true }, 0],
  ['right', { bitsStored: 12, signed: false }, 1],
])) {
  const { buffer, meta } = encodePhantom(hu, encoding);
  const info = imageInfo(meta);
  const frame = { key: `phantom-${id}`, info, pixels: decodePixels(info, buffer) };
  frames[id] = frame;
  engine.addViewport(id, /** @type {HTMLElement} */ (document.getElementById(`vp-${id}`)));
  engine.setFrame(id, frame, info.windows[windowIndex]);
}

/** 1:1 so that each device pixel shows one image pixel (the exactness check is then free of sampling questions). */
function resetView(/** @type {string} */ id) {
  const view = engine.view(id);
  if (view) engine.setView(id, oneToOne({ ...view, rotation: 0, flipH: false, flipV: false }));
}

function label() {
  for (const id of Object.keys(frames)) {
    const vp = engine.viewport(id);
    const w = vp.display.window;
    const v = vp.view;
    const el = /** @type {HTMLElement} */ (vp.element.querySelector('.vp-label'));
    el.textContent = [
      `${id} · ${vp.frame?.pixels.constructor.name} · ${vp.frame?.info.bitsStored}-bit`,
      w ? `W ${w.width} L ${w.center} ${w.fn}` : 'no window',
      v ? `zoom ${v.zoom.toFixed(2)} rot ${v.rotation.toFixed(0)}°${v.flipH ? ' flipH' : ''}${v.flipV ? ' flipV' : ''}` : '',
      `${vp.display.invert ? 'invert · ' : ''}${vp.display.lut}`,
    ].join('\n');
  }
  status.textContent = `draws ${engine.drawCount} · uploads ${engine.uploadCount} · restores ${engine.restoreCount} · ${engine.lost ? 'CONTEXT LOST' : 'context ok'}`;
}

/** @param {Uint8Array} bytes */
function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * GPU read-back against the CPU reference, pixel by pixel: each device pixel of the viewport is mapped to an
 * image pixel through the CPU view transform (the same geometry the shader uses), and must show the reference
 * grey level through the viewport's LUT, or black outside the image.
 * @param {string} id
 */
function compare(id) {
  const vp = engine.viewport(id);
  const frame = /** @type {Frame} */ (vp.frame);
  const read = engine.readPixels(id);
  const view = /** @type {import('../lib/viewer/view-transform.js').ViewState} */ (vp.view);
  const grey = renderGrey(frame.pixels, frame.info, { window: /** @type {Window} */ (vp.display.window), invert: vp.display.invert });
  const table = lut(vp.display.lut);
  let mismatches = 0;
  let inside = 0;
  let maxDiff = 0;
  /** @type {unknown[]} */
  const examples = [];
  for (let y = 0; y < read.height; y++) {
    for (let x = 0; x < read.width; x++) {
      const p = pixelAt(view, { x: x + 0.5, y: y + 0.5 });
      const o = (y * read.width + x) * 4;
      let want = [0, 0, 0];
      if (p) {
        inside++;
        const k = grey[p.row * frame.info.columns + p.column];
        want = [table[k * 4], table[k * 4 + 1], table[k * 4 + 2]];
      }
      const diff = Math.max(...want.map((v, c) => Math.abs(v - read.data[o + c])));
      if (diff) {
        mismatches++;
        maxDiff = Math.max(maxDiff, diff);
        if (examples.length < 5) examples.push({ x, y, pixel: p, want, got: [...read.data.subarray(o, o + 3)] });
      }
    }
  }
  label();
  return { width: read.width, height: read.height, total: read.width * read.height, inside, mismatches, maxDiff, examples };
}

const hooks = {
  ready: false,
  info() {
    label();
    const gl = engine.gl;
    return {
      webgl: gl.getParameter(gl.VERSION),
      canvas: [canvas.width, canvas.height],
      dpr: window.devicePixelRatio,
      lost: engine.lost,
      contextLost: gl.isContextLost(),
      drawCount: engine.drawCount,
      uploadCount: engine.uploadCount,
      restoreCount: engine.restoreCount,
      viewports: [...engine.viewports.values()].map((vp) => ({ id: vp.id, rect: vp.rect, window: vp.display.window, view: vp.view })),
    };
  },
  compare,
  /** @param {string} id */
  read(id) {
    const r = engine.readPixels(id);
    return { width: r.width, height: r.height, rgba: base64(r.data) };
  },
  /**
   * Stored values as little-endian bytes with what the independent reference needs.
   * @param {string} id
   */
  stored(id) {
    const f = frames[id];
    const bytes = new Uint8Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength);
    return { type: f.pixels.constructor.name, columns: f.info.columns, rows: f.info.rows, slope: f.info.rescaleSlope, intercept: f.info.rescaleIntercept, data: base64(bytes) };
  },
  /** @param {string} id @param {number} center @param {number} width @param {VoiFunction} [fn] */
  setWindow(id, center, width, fn = 'LINEAR') {
    engine.setDisplay(id, { window: { center, width, fn } });
    engine.renderNow();
    label();
  },
  /** @param {string} id @param {{ invert?: boolean, lut?: LutName }} display */
  setDisplay(id, display) {
    engine.setDisplay(id, display);
    engine.renderNow();
    label();
  },
  /** @param {string} id @param {string} op flipH | flipV | rotate | zoom | reset @param {number} [arg] */
  view(id, op, arg = 0) {
    const v = engine.view(id);
    if (!v) return null;
    if (op === 'reset') resetView(id);
    else if (op === 'flipH') engine.setView(id, flipHorizontal(v));
    else if (op === 'flipV') engine.setView(id, flipVertical(v));
    else if (op === 'rotate') engine.setView(id, rotateBy(v, arg));
    else if (op === 'zoom') engine.setView(id, zoomAt(v, arg));
    else throw new Error(`unknown view op ${op}`);
    engine.renderNow();
    label();
    return engine.view(id);
  },
  /** @param {string} id @param {number} x @param {number} y */
  imageToCanvas(id, x, y) {
    return imageToCanvas(/** @type {any} */ (engine.view(id)), { x, y });
  },
  /** @param {string} id @param {number} x @param {number} y */
  canvasToImage(id, x, y) {
    return canvasToImage(/** @type {any} */ (engine.view(id)), { x, y });
  },
  /**
   * RGBA at a canvas point of a viewport.
   * @param {string} id @param {number} x @param {number} y
   */
  pixel(id, x, y) {
    const r = engine.readPixels(id);
    if (x < 0 || y < 0 || x >= r.width || y >= r.height) return null;
    const o = (Math.floor(y) * r.width + Math.floor(x)) * 4;
    return [...r.data.subarray(o, o + 4)];
  },
  loseContext() {
    loseExt?.loseContext();
    setTimeout(label, 50);
  },
  restoreContext() {
    loseExt?.restoreContext();
    setTimeout(label, 200);
  },
};
Object.assign(window, { engineTest: hooks });

for (const id of Object.keys(frames)) resetView(id);
engine.renderNow();
label();
hooks.ready = true;
