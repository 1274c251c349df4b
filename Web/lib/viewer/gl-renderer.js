// The rendering engine: ONE WebGL2 context on one canvas behind all viewports. Browsers cap the number of live
// WebGL contexts (about 16) and each holds its own copy of every texture, so a 3×4 layout with one context per
// viewport would not work; here each viewport is a DOM element over the canvas and is drawn into its rectangle
// with gl.viewport + gl.scissor. Frames are uploaded once as exact integer textures and kept in a byte-budgeted
// LRU cache; window/level, invert, pseudo-colour and geometry changes only change uniforms.

import { ByteLRU } from './lru-cache.js';
import { lut } from './luts.js';
import { VERTEX, COLOR_FRAGMENT, greyFragment } from './shaders.js';
import { createView, invert, resize, viewMatrix } from './view-transform.js';
import { isColor, fullRangeWindow } from './pixels.js';

/** @typedef {import('./pixels.js').ImageInfo} ImageInfo */
/** @typedef {import('./pixels.js').PixelArray} PixelArray */
/** @typedef {import('./pixels.js').Window} Window */
/** @typedef {import('./luts.js').LutName} LutName */
/** @typedef {import('./view-transform.js').ViewState} ViewState */
/** A decoded frame; `key` identifies it in the texture cache (e.g. SOP Instance UID + frame number). */
/** @typedef {{ key: string, info: ImageInfo, pixels: PixelArray }} Frame */
/** @typedef {{ window: Window | null, invert: boolean, lut: LutName }} Display */
/** @typedef {{ x: number, y: number, width: number, height: number }} Rect device pixels, y down, in the canvas */
/**
 * @typedef {object} Viewport
 * @property {string} id
 * @property {HTMLElement} element the DOM box whose area on the canvas this viewport draws
 * @property {Frame | null} frame
 * @property {ViewState | null} view null until the first draw sizes and fits it
 * @property {Display} display
 * @property {Rect} rect where it was last drawn
 */
/** @typedef {{ program: WebGLProgram, uniforms: Record<string, WebGLUniformLocation | null> }} Program */
/** @typedef {{ texture: WebGLTexture | null, frame: Frame }} CachedTexture */

const DEFAULT_BUDGET = 256 * 1024 * 1024; // a 1 GiB allocation lost every context in headless Chromium; 512 MB was fine
const UNIFORMS = ['u_image', 'u_lut', 'u_slope', 'u_intercept', 'u_center', 'u_width', 'u_function', 'u_invert', 'u_canvasToImage', 'u_viewport', 'u_size'];

export class RenderingEngine {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ textureBudget?: number }} [options]
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    /** @type {Map<string, Viewport>} */
    this.viewports = new Map();
    this.lost = false;
    this.drawCount = 0;
    this.restoreCount = 0;
    this.uploadCount = 0;
    /** @type {number | null} */
    this.pending = null;
    /** @type {(() => void) | null} called after each draw, e.g. to draw annotation overlays in the same frame */
    this.onRender = null;
    /** @type {ByteLRU<CachedTexture>} */
    this.textures = new ByteLRU(options.textureBudget ?? DEFAULT_BUDGET, {
      onEvict: (_key, entry) => entry.texture && !this.lost && this.gl.deleteTexture(entry.texture),
      inUse: (key) => [...this.viewports.values()].some((vp) => vp.frame?.key === key),
    });
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false });
    if (!gl) throw new Error('WebGL2 is not available');
    this.gl = gl;
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault(); // without this the browser never offers to restore the context
      this.lost = true;
      if (this.pending !== null) cancelAnimationFrame(this.pending);
      this.pending = null;
      for (const [, entry] of this.textures.entries()) entry.texture = null; // gone with the context
    });
    canvas.addEventListener('webglcontextrestored', () => {
      this.lost = false;
      this.restoreCount++;
      this.programs = this.initGL();
      // Re-upload what was cached, oldest first, so the most recent frames end up most recently used.
      for (const [, entry] of this.textures.entries()) entry.texture = this.upload(entry.frame);
      this.renderNow();
    });
    this.resizeObserver = new ResizeObserver(() => this.render());
    this.resizeObserver.observe(canvas);
    /** @type {Map<LutName, WebGLTexture>} */
    this.lutTextures = new Map();
    this.programs = this.initGL();
  }

  /** GL state and programs; run again after a context restore, when every GL object is gone. */
  initGL() {
    const gl = this.gl;
    this.lutTextures.clear();
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.BLEND);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1); // rows of odd-width 8/16-bit images are not 4-byte aligned
    return {
      signed: this.link(greyFragment('isampler2D')),
      unsigned: this.link(greyFragment('usampler2D')),
      color: this.link(COLOR_FRAGMENT),
    };
  }

  /** @param {string} fragment @returns {Program} */
  link(fragment) {
    const gl = this.gl;
    const program = /** @type {WebGLProgram} */ (gl.createProgram());
    for (const [type, source] of /** @type {[number, string][]} */ ([[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, fragment]])) {
      const shader = /** @type {WebGLShader} */ (gl.createShader(type));
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
      gl.attachShader(program, shader);
    }
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
    /** @type {Record<string, WebGLUniformLocation | null>} */
    const uniforms = {};
    for (const name of UNIFORMS) uniforms[name] = gl.getUniformLocation(program, name);
    return { program, uniforms };
  }

  /**
   * Adds a viewport drawn over `element`'s area of the canvas.
   * @param {string} id @param {HTMLElement} element
   */
  addViewport(id, element) {
    this.viewports.set(id, { id, element, frame: null, view: null, display: { window: null, invert: false, lut: 'grey' }, rect: { x: 0, y: 0, width: 0, height: 0 } });
    this.resizeObserver.observe(element);
    this.render();
  }

  /** @param {string} id */
  removeViewport(id) {
    const vp = this.viewports.get(id);
    if (vp) this.resizeObserver.unobserve(vp.element);
    this.viewports.delete(id);
    this.render();
  }

  /** @param {string} id @returns {Viewport} */
  viewport(id) {
    const vp = this.viewports.get(id);
    if (!vp) throw new Error(`no viewport ${id}`);
    return vp;
  }

  /**
   * Shows a frame. The view is kept when the new frame has the same size (paging through a stack keeps zoom and
   * pan); otherwise it is fitted afresh on the next draw.
   * @param {string} id @param {Frame} frame @param {Window} [window] default: the window in use, else the frame's
   *   first window, else one spanning its values
   */
  setFrame(id, frame, window) {
    const vp = this.viewport(id);
    if (vp.view && (vp.view.imageWidth !== frame.info.columns || vp.view.imageHeight !== frame.info.rows)) vp.view = null;
    vp.frame = frame;
    if (window) vp.display.window = window;
    else if (!vp.display.window && !isColor(frame.info)) vp.display.window = frame.info.windows[0] ?? fullRangeWindow(frame.pixels, frame.info);
    this.render();
  }

  /** @param {string} id @param {Partial<Display>} display */
  setDisplay(id, display) {
    const vp = this.viewport(id);
    vp.display = { ...vp.display, ...display };
    this.render();
  }

  /**
   * The current view, sized to the viewport's present rectangle (fitted if it had none yet).
   * @param {string} id @returns {ViewState | null} null without a frame
   */
  view(id) {
    const vp = this.viewport(id);
    this.layout();
    return vp.view;
  }

  /** @param {string} id @param {ViewState} view */
  setView(id, view) {
    this.viewport(id).view = view;
    this.render();
  }

  /** Draw on the next animation frame (coalesces many changes into one draw). */
  render() {
    if (this.pending !== null || this.lost) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = null;
      this.renderNow();
    });
  }

  /** Sizes the canvas to its CSS box and each viewport to its element, in device pixels. */
  layout() {
    const dpr = window.devicePixelRatio || 1;
    const box = this.canvas.getBoundingClientRect();
    const width = Math.max(1, Math.round(box.width * dpr));
    const height = Math.max(1, Math.round(box.height * dpr));
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    for (const vp of this.viewports.values()) {
      const r = vp.element.getBoundingClientRect();
      // Round the edges, not the sizes, so that neighbouring viewports share a border without gap or overlap.
      const x0 = Math.round((r.left - box.left) * dpr);
      const y0 = Math.round((r.top - box.top) * dpr);
      const x1 = Math.round((r.right - box.left) * dpr);
      const y1 = Math.round((r.bottom - box.top) * dpr);
      vp.rect = { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
      if (!vp.frame) continue;
      const { columns, rows } = vp.frame.info;
      if (!vp.view) vp.view = createView(columns, rows, vp.rect.width, vp.rect.height);
      else if (vp.view.viewportWidth !== vp.rect.width || vp.view.viewportHeight !== vp.rect.height) vp.view = resize(vp.view, vp.rect.width, vp.rect.height);
    }
  }

  /** Draws every viewport now. */
  renderNow() {
    const gl = this.gl;
    if (this.lost || gl.isContextLost()) return;
    this.layout();
    const H = this.canvas.height;
    gl.enable(gl.SCISSOR_TEST);
    gl.clearColor(0, 0, 0, 1);
    for (const vp of this.viewports.values()) {
      const { x, y, width, height } = vp.rect;
      if (width <= 0 || height <= 0) continue;
      gl.viewport(x, H - y - height, width, height); // GL counts rows from the bottom
      gl.scissor(x, H - y - height, width, height);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (vp.frame && vp.view) this.draw(vp, H);
    }
    gl.disable(gl.SCISSOR_TEST);
    this.drawCount++;
    this.onRender?.();
  }

  /** @param {Viewport} vp @param {number} canvasHeight */
  draw(vp, canvasHeight) {
    const gl = this.gl;
    const frame = /** @type {Frame} */ (vp.frame);
    const view = /** @type {ViewState} */ (vp.view);
    const texture = this.texture(frame);
    const color = isColor(frame.info);
    const p = color ? this.programs.color : frame.pixels instanceof Int16Array ? this.programs.signed : this.programs.unsigned;
    const u = p.uniforms;
    gl.useProgram(p.program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.uniform1i(u.u_image, 0);
    const m = invert(viewMatrix(view));
    gl.uniformMatrix3fv(u.u_canvasToImage, false, [m.a, m.b, 0, m.c, m.d, 0, m.e, m.f, 1]);
    gl.uniform3f(u.u_viewport, vp.rect.x, vp.rect.y, canvasHeight);
    gl.uniform2f(u.u_size, frame.info.columns, frame.info.rows);
    if (color) {
      gl.uniform1i(u.u_invert, vp.display.invert ? 1 : 0);
    } else {
      const win = vp.display.window ?? { center: 2 ** 15, width: 2 ** 16, fn: 'LINEAR' };
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, this.lutTexture(vp.display.lut));
      gl.uniform1i(u.u_lut, 1);
      gl.uniform1f(u.u_slope, frame.info.rescaleSlope);
      gl.uniform1f(u.u_intercept, frame.info.rescaleIntercept);
      gl.uniform1f(u.u_center, win.center);
      gl.uniform1f(u.u_width, win.width);
      gl.uniform1i(u.u_function, win.fn === 'LINEAR_EXACT' ? 1 : win.fn === 'SIGMOID' ? 2 : 0);
      gl.uniform1i(u.u_invert, (frame.info.photometric === 'MONOCHROME1') !== vp.display.invert ? 1 : 0);
    }
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  /**

   * The frame's texture, uploaded on first use.

   * @param {Frame} frame @returns {WebGLTexture | null}

   */
  texture(frame) {
    const cached = this.textures.get(frame.key);
    if (cached && cached.frame === frame && cached.texture) return cached.texture;
    const texture = this.upload(frame);
    const bytes = isColor(frame.info) ? frame.info.rows * frame.info.columns * 4 : frame.pixels.byteLength; // RGB8 is stored as RGBA
    this.textures.set(frame.key, { texture, frame }, bytes);
    return texture;
  }

  /** @param {Frame} frame @returns {WebGLTexture | null} */
  upload(frame) {
    const gl = this.gl;
    const { columns: w, rows: h } = frame.info;
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    // Integer textures cannot be filtered; NEAREST is also what exact display of pixel values needs.
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    const px = frame.pixels;
    if (isColor(frame.info)) gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB8, w, h, 0, gl.RGB, gl.UNSIGNED_BYTE, px);
    else if (px instanceof Int16Array) gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16I, w, h, 0, gl.RED_INTEGER, gl.SHORT, px);
    else if (px instanceof Uint16Array) gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16UI, w, h, 0, gl.RED_INTEGER, gl.UNSIGNED_SHORT, px);
    else gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8UI, w, h, 0, gl.RED_INTEGER, gl.UNSIGNED_BYTE, px);
    this.uploadCount++;
    return texture;
  }

  /** @param {LutName} name @returns {WebGLTexture | null} */
  lutTexture(name) {
    const map = this.lutTextures;
    const have = map.get(name);
    if (have) return have;
    const gl = this.gl;
    const texture = /** @type {WebGLTexture} */ (gl.createTexture());
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, lut(name));
    map.set(name, texture);
    return texture;
  }

  /**
   * Draws now and reads a viewport back: RGBA rows top-down (tests and export).
   * @param {string} id @returns {{ width: number, height: number, data: Uint8Array }}
   */
  readPixels(id) {
    this.renderNow();
    const gl = this.gl;
    const { x, y, width, height } = this.viewport(id).rect;
    const raw = new Uint8Array(width * height * 4);
    gl.readPixels(x, this.canvas.height - y - height, width, height, gl.RGBA, gl.UNSIGNED_BYTE, raw);
    const data = new Uint8Array(raw.length);
    const row = width * 4;
    for (let r = 0; r < height; r++) data.set(raw.subarray((height - 1 - r) * row, (height - r) * row), r * row);
    return { width, height, data };
  }

  destroy() {
    this.resizeObserver.disconnect();
    if (this.pending !== null) cancelAnimationFrame(this.pending);
    this.textures.clear();
    this.viewports.clear();
  }
}
