// 放大镜 (VIEW-17): a round lens that follows the pointer over the active viewport while the left button is held
// with the magnifier tool (M), showing the area under it 2–4× (the wheel changes the factor while held).
//
// The lens is not an upscale of the screen: after each draw of the engine, the viewport's frame is drawn again by
// the same WebGL program into the lens rectangle with a view zoomed by the factor about the pointer (exact stored
// pixels through the current window, LUT, invert and rotation/flips; NEAREST sampling, so each image pixel is a
// sharp block), read back, and the main image under the lens drawn again. The lens is a 2D canvas above the
// annotation layer; the viewer's `decorate` callback then draws into it — viewer.js draws the DICOM overlay
// planes and the measurements/annotations (shapes and labels) magnified in the lens, so what the reader sees in
// the lens is the viewport, larger.

import { Tool } from './tools.js';
import { imageToCanvas, canvasToImage } from './view-transform.js';

/** @typedef {import('./view-transform.js').ViewState} ViewState */
/** @typedef {import('./view-transform.js').Point} Point */
/** @typedef {import('./gl-renderer.js').RenderingEngine} RenderingEngine */
/** @typedef {{ id: string, element: HTMLElement }} LensTarget an engine viewport and its DOM box */

/** Magnification steps of the wheel. */
export const FACTORS = [2, 2.5, 3, 3.5, 4];
/** Lens diameter in CSS pixels. */
export const LENS_SIZE = 220;

/**
 * The view of the lens: the viewport's view zoomed by `factor`, sized to the lens, with the image point under
 * `at` (device pixels in the viewport) at the lens centre. Rotation, flips and pixel aspect are kept.
 * @param {ViewState} view @param {Point} at @param {number} factor @param {number} size lens side, device pixels
 * @returns {ViewState}
 */
export function magnifiedView(view, at, factor, size) {
  const q = canvasToImage(view, at);
  const lens = { ...view, viewportWidth: size, viewportHeight: size, zoom: view.zoom * factor, panX: 0, panY: 0 };
  const p = imageToCanvas(lens, q);
  return { ...lens, panX: size / 2 - p.x, panY: size / 2 - p.y };
}

/**
 * The next factor up (dir > 0) or down, within FACTORS.
 * @param {number} factor @param {number} dir
 */
export function stepFactor(factor, dir) {
  let i = FACTORS.findIndex((f) => f >= factor - 1e-9);
  if (i < 0) i = FACTORS.length - 1;
  return FACTORS[Math.max(0, Math.min(FACTORS.length - 1, i + Math.sign(dir)))];
}

export class Magnifier {
  /**
   * @param {RenderingEngine} engine
   * @param {{ target: () => LensTarget | null, decorate?: (ctx: CanvasRenderingContext2D, view: ViewState, target: LensTarget) => void }} o
   *   target: the viewport a press shows the lens on (the active one); decorate: draws over the magnified image
   */
  constructor(engine, o) {
    this.engine = engine;
    this.target = o.target;
    this.decorate = o.decorate ?? (() => {});
    this.factor = FACTORS[0];
    /** @type {{ target: LensTarget, at: Point } | null} */
    this.active = null;
    /** @type {HTMLCanvasElement | null} */
    this.lens = null;
    // The wheel while the lens is up changes the factor instead of paging (capture: before the viewport's own).
    window.addEventListener('wheel', (e) => {
      if (!this.active) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (e.deltaY) this.setFactor(stepFactor(this.factor, -e.deltaY));
    }, { capture: true, passive: false });
  }

  /** @param {Point} at device pixels in the target viewport */
  show(at) {
    const target = this.target();
    if (!target) return;
    this.active = { target, at };
    this.engine.render();
  }

  /** @param {Point} at */
  move(at) {
    if (!this.active) return;
    this.active.at = at;
    this.engine.render();
  }

  hide() {
    this.active = null;
    if (this.lens) {
      this.lens.hidden = true;
      this.lens.dataset.shown = 'false';
    }
  }

  /** @param {number} factor */
  setFactor(factor) {
    this.factor = Math.max(FACTORS[0], Math.min(FACTORS[FACTORS.length - 1], factor));
    if (this.lens) this.lens.dataset.factor = String(this.factor);
    this.engine.render();
  }

  /** @param {HTMLElement} parent @returns {HTMLCanvasElement} */
  lensIn(parent) {
    let lens = this.lens;
    if (!lens) {
      lens = document.createElement('canvas');
      lens.className = 'vw-magnifier';
      lens.dataset.testid = 'magnifier-lens';
      Object.assign(lens.style, {
        position: 'absolute', pointerEvents: 'none', zIndex: '6', borderRadius: '50%',
        boxShadow: '0 0 0 2px rgba(74, 158, 255, 0.9), 0 4px 18px rgba(0, 0, 0, 0.6)', background: '#000',
      });
      this.lens = lens;
    }
    if (lens.parentElement !== parent) parent.append(lens);
    return lens;
  }

  /** Draws the lens; call after every draw of the engine (it uses the frame the engine has just drawn). */
  draw() {
    const a = this.active;
    if (!a) return;
    const engine = this.engine;
    const vp = engine.viewports.get(a.target.id);
    const lens = this.lensIn(a.target.element);
    if (!vp?.frame || !vp.view || engine.lost) {
      lens.hidden = true;
      return;
    }
    const gl = engine.gl;
    const dpr = window.devicePixelRatio || 1;
    const size = Math.round(LENS_SIZE * dpr);
    const x0 = Math.round(a.at.x - size / 2);
    const y0 = Math.round(a.at.y - size / 2);
    const view = magnifiedView(vp.view, { x: x0 + size / 2, y: y0 + size / 2 }, this.factor, size);
    // The lens on the canvas, and the part of it inside the viewport (the rest is not drawn).
    const rect = { x: vp.rect.x + x0, y: vp.rect.y + y0, width: size, height: size };
    const cx0 = Math.max(rect.x, vp.rect.x);
    const cy0 = Math.max(rect.y, vp.rect.y);
    const cx1 = Math.min(rect.x + size, vp.rect.x + vp.rect.width);
    const cy1 = Math.min(rect.y + size, vp.rect.y + vp.rect.height);
    const w = cx1 - cx0;
    const h = cy1 - cy0;
    if (w <= 0 || h <= 0) {
      lens.hidden = true;
      return;
    }
    const H = engine.canvas.height;
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(cx0, H - cy1, w, h);
    gl.viewport(cx0, H - cy1, w, h);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    engine.draw({ ...vp, view, rect }, H);
    const raw = new Uint8Array(w * h * 4);
    gl.readPixels(cx0, H - cy1, w, h, gl.RGBA, gl.UNSIGNED_BYTE, raw);
    // Put the viewport's own image back under the lens.
    gl.clear(gl.COLOR_BUFFER_BIT);
    engine.draw(vp, H);
    gl.disable(gl.SCISSOR_TEST);
    // GL rows run bottom-up.
    const rgba = new Uint8ClampedArray(w * h * 4);
    const row = w * 4;
    for (let r = 0; r < h; r++) rgba.set(raw.subarray((h - 1 - r) * row, (h - r) * row), r * row);
    if (lens.width !== size) lens.width = size;
    if (lens.height !== size) lens.height = size;
    Object.assign(lens.style, { width: `${size / dpr}px`, height: `${size / dpr}px`, left: `${x0 / dpr}px`, top: `${y0 / dpr}px` });
    const ctx = /** @type {CanvasRenderingContext2D} */ (lens.getContext('2d'));
    ctx.clearRect(0, 0, size, size);
    ctx.putImageData(new ImageData(rgba, w, h), cx0 - rect.x, cy0 - rect.y);
    this.decorate(ctx, view, a.target);
    // The factor, small, at the bottom of the lens.
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const label = `${this.factor}×`;
    ctx.font = `600 ${Math.round(12 * dpr)}px system-ui, sans-serif`;
    const tw = ctx.measureText(label).width + 12 * dpr;
    const th = 18 * dpr;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.65)';
    const lx = size / 2 - tw / 2;
    const ly = size - 10 * dpr - th;
    const r = th / 2;
    ctx.beginPath();
    ctx.arc(lx + r, ly + r, r, Math.PI / 2, (3 * Math.PI) / 2);
    ctx.arc(lx + tw - r, ly + r, r, -Math.PI / 2, Math.PI / 2);
    ctx.closePath();
    ctx.fill();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#ffffff';
    ctx.fillText(label, size / 2, size - 10 * dpr - th / 2);
    ctx.restore();
    Object.assign(lens.dataset, { shown: 'true', factor: String(this.factor), x: String(x0 + size / 2), y: String(y0 + size / 2), size: String(size) });
    lens.hidden = false;
  }
}

/** The magnifier as the left-button tool: press to show the lens, drag to move it, release to put it away. */
export class MagnifyTool extends Tool {
  static id = 'magnify';
  cursor = 'none';
  /** @param {Magnifier} magnifier */
  constructor(magnifier) {
    super();
    this.magnifier = magnifier;
  }
  /** @param {import('./tools.js').ToolEvent} e */
  down(e) {
    this.magnifier.show(e.canvas);
  }
  /** @param {import('./tools.js').ToolEvent} e */
  move(e) {
    this.magnifier.move(e.canvas);
  }
  /** @param {import('./tools.js').ToolEvent} e */
  up(e) {
    this.magnifier.hide();
  }
  cancel() {
    this.magnifier.hide();
  }
  /** A press on a measurement looks at it through the lens rather than taking hold of it. */
  get looksOnly() {
    return true;
  }
}
