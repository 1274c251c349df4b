// Interaction tools. A tool is a small class that turns one pointer gesture (down, move…, up) on a viewport into
// changes of that viewport; the ToolManager decides which tool a gesture goes to (left button: the tool chosen
// in the toolbar; right: window/level; middle: pan). Tools see the viewport only through the ViewportHandle
// interface, and every event carries its position in canvas (device) pixels AND in image coordinates (through
// view-transform.js), so measurement and annotation tools (issue #6 part 5) slot in as further classes that
// keep their shapes in image coordinates.

import { panBy, zoomAt, setRotation, canvasToImage } from './view-transform.js';
import { dragWindow } from './presets.js';
import { POINTS, moveHandle, translate } from './annotations.js';

/** @typedef {import('./view-transform.js').ViewState} ViewState */
/** @typedef {import('./view-transform.js').Point} Point */
/** @typedef {import('./pixels.js').Window} Window */
/**
 * What a tool may do to a viewport (implemented by viewer.js).
 * @typedef {object} ViewportHandle
 * @property {() => ViewState | null} view
 * @property {(v: ViewState) => void} setView
 * @property {() => Window | null} window
 * @property {(w: Window) => void} setWindow
 * @property {(delta: number) => void} scroll move through the stack by delta images
 * @property {() => number} dpr device pixels per CSS pixel
 * @property {AnnotationLayer} [annotations] the measurements on the image shown (absent: the tools only look)
 * @property {(image: Point) => void} [locate] same-point positioning (3D cursor) at an image point
 */
/** @typedef {import('./annotations.js').Annotation} Annotation */
/** @typedef {import('./annotations.js').AnnotationType} AnnotationType */
/**
 * The annotations of the image in a viewport, as the measurement tools see them (implemented by viewer.js).
 * @typedef {object} AnnotationLayer
 * @property {(canvas: Point) => { id: string, handle: number | null } | null} hit what is under a canvas point
 * @property {(id: string | null) => void} select
 * @property {(id: string) => Annotation | undefined} get
 * @property {(type: AnnotationType, points: Point[]) => Annotation | null} create a new annotation on the image shown (not added yet)
 * @property {(draft: Annotation | null, closed?: boolean) => void} draft show (or stop showing) a drawing in progress
 * @property {(a: Annotation) => void} add
 * @property {(a: Annotation, final: boolean) => void} update replace by id; final: the gesture ended (save)
 * @property {(done: (text: string | null) => void, initial?: string) => void} askText
 * @property {(id: string, clientX: number, clientY: number) => void} menu the context menu of an annotation
 */
/**
 * @typedef {object} ToolEvent
 * @property {ViewportHandle} viewport
 * @property {Point} canvas device pixels in the viewport, now
 * @property {Point} start device pixels where the gesture began
 * @property {Point | null} image image coordinates now (null without an image)
 * @property {Point} delta CSS pixels since the previous event
 * @property {Point} total CSS pixels since the gesture began
 * @property {boolean} shiftKey
 * @property {boolean} ctrlKey
 */

export class Tool {
  /** @type {string} */
  static id = 'none';
  cursor = 'default';
  /** @param {ToolEvent} e */
  down(e) {}
  /** @param {ToolEvent} e */
  move(e) {}
  /** @param {ToolEvent} e */
  up(e) {}
  /**
   * The pointer moves over the viewport with no button pressed.
   * @param {ToolEvent} e
   */
  hover(e) {}
  /** Drop a drawing in progress (tool switch, paging, Esc). */
  cancel() {}
  /** Whether this tool draws annotations (a gesture on empty image does not deselect then). */
  get draws() {
    return false;
  }
  /** Whether this tool only looks (the magnifier): a left press on an annotation does not take hold of it. */
  get looksOnly() {
    return false;
  }
}

/** Drag to change window width (horizontal) and centre (vertical). */
export class WindowLevelTool extends Tool {
  static id = 'windowLevel';
  cursor = 'crosshair';
  /** @type {Window | null} */
  startWindow = null;
  /** @param {ToolEvent} e */
  down(e) {
    this.startWindow = e.viewport.window();
  }
  /** @param {ToolEvent} e */
  move(e) {
    if (!this.startWindow) return;
    const w = dragWindow(this.startWindow, e.total.x, e.total.y);
    e.viewport.setWindow({ ...this.startWindow, center: w.center, width: w.width });
  }
}

/** Drag vertically to page: one image per few pixels. */
export class StackScrollTool extends Tool {
  static id = 'stackScroll';
  cursor = 'ns-resize';
  pixelsPerImage = 6;
  rest = 0;
  /** @param {ToolEvent} e */
  down(e) {
    this.rest = 0;
  }
  /** @param {ToolEvent} e */
  move(e) {
    this.rest += e.delta.y;
    const steps = Math.trunc(this.rest / this.pixelsPerImage);
    if (steps) {
      this.rest -= steps * this.pixelsPerImage;
      e.viewport.scroll(steps);
    }
  }
}

/** 定位 (VIEW-06): press or drag to put the 3D cursor on an image point; the other viewports follow it. */
export class LocateTool extends Tool {
  static id = 'locate';
  cursor = 'crosshair';
  /** @param {ToolEvent} e */
  down(e) {
    if (e.image) e.viewport.locate?.(e.image);
  }
  /** @param {ToolEvent} e */
  move(e) {
    this.down(e);
  }
}

export class PanTool extends Tool {
  static id = 'pan';
  cursor = 'move';
  /** @param {ToolEvent} e */
  move(e) {
    const v = e.viewport.view();
    const k = e.viewport.dpr();
    if (v) e.viewport.setView(panBy(v, e.delta.x * k, e.delta.y * k));
  }
}

/** Drag up to zoom in, down to zoom out, about the point where the drag began. */
export class ZoomTool extends Tool {
  static id = 'zoom';
  cursor = 'zoom-in';
  /** @param {ToolEvent} e */
  move(e) {
    const v = e.viewport.view();
    if (v) e.viewport.setView(zoomAt(v, Math.exp(-e.delta.y / 150), e.start));
  }
}

/** Free rotation: the image turns with the pointer about the viewport centre. */
export class RotateTool extends Tool {
  static id = 'rotate';
  cursor = 'grab';
  startRotation = 0;
  startAngle = 0;
  /** @param {ToolEvent} e */
  down(e) {
    const v = e.viewport.view();
    if (!v) return;
    this.startRotation = v.rotation;
    this.startAngle = angle(v, e.canvas);
  }
  /** @param {ToolEvent} e */
  move(e) {
    const v = e.viewport.view();
    if (!v) return;
    let deg = this.startRotation + angle(v, e.canvas) - this.startAngle;
    if (e.shiftKey) deg = Math.round(deg / 15) * 15; // Shift snaps to 15°
    e.viewport.setView(setRotation(v, deg));
  }
}

/** @param {ViewState} v @param {Point} p degrees of p around the viewport centre, clockwise on screen */
function angle(v, p) {
  return (Math.atan2(p.y - v.viewportHeight / 2, p.x - v.viewportWidth / 2) * 180) / Math.PI;
}

// ---------------------------------------------------------------- measurements and annotations

/** Canvas distance (device pixels) under which a press-and-release counts as a click, not a drag. */
const CLICK = 6;

/** @param {Point} a @param {Point} b */
const far = (a, b) => Math.hypot(a.x - b.x, a.y - b.y) >= CLICK;

/**
 * Draws one annotation type. Two-point shapes (length, arrow, rectangle, ellipse) are one drag; a point probe is
 * a click (drag to place it); freehand is one drag along the outline; text asks for its words at the click.
 * Multi-point shapes (angle 3, Cobb 4, cardiothoracic ratio 4, polygon any) take their points one per click, or
 * two per drag (press at one end, release at the other), with the next point following the pointer; a polygon
 * ends with a double-click, a click on its first point or Enter.
 */
export class DrawTool extends Tool {
  /** @type {AnnotationType} */
  type = 'length';
  cursor = 'crosshair';
  /** @type {Annotation | null} */
  drawing = null;
  /** @type {Point[]} points fixed so far (multi-point shapes) */
  fixed = [];
  /** @type {Point | null} */
  downAt = null;
  /** @type {AnnotationLayer | null} */
  layer = null;
  lastDown = 0;

  get draws() {
    return true;
  }

  get multi() {
    return this.type === 'angle' || this.type === 'cobb' || this.type === 'ctr' || this.type === 'polygon';
  }

  /** @param {ToolEvent} e */
  down(e) {
    const layer = e.viewport.annotations;
    const p = e.image;
    if (!layer || !p) return;
    if (this.layer && this.layer !== layer) this.cancel();
    this.layer = layer;
    this.downAt = e.canvas;
    layer.select(null);
    if (this.multi) return this.downMulti(e, layer, p);
    if (this.type === 'text') {
      const a = layer.create('text', [p]);
      if (!a) return;
      layer.askText((text) => {
        if (text) layer.add({ ...a, text });
      });
      return;
    }
    const points = this.type === 'probe' ? [p] : this.type === 'freehand' ? [p] : [p, { ...p }];
    this.drawing = layer.create(this.type, points);
    layer.draft(this.drawing, this.type !== 'freehand');
  }

  /** @param {ToolEvent} e */
  move(e) {
    const p = e.image;
    if (!p || !this.layer) return;
    if (this.multi) return this.float(p, e);
    const a = this.drawing;
    if (!a) return;
    if (this.type === 'probe') a.points = [p];
    else if (this.type === 'freehand') {
      const last = a.points[a.points.length - 1];
      const v = e.viewport.view();
      // One point per ~2 device pixels of pointer travel.
      const k = v ? v.zoom : 1;
      if (Math.hypot(p.x - last.x, p.y - last.y) * k >= 2) a.points.push(p);
    } else a.points[1] = constrain(this.type, a.points[0], p, e.shiftKey);
    this.layer.draft(a, this.type !== 'freehand');
  }

  /** @param {ToolEvent} e */
  up(e) {
    const layer = this.layer;
    if (!layer) return;
    if (this.multi) return this.upMulti(e, layer);
    const a = this.drawing;
    this.drawing = null;
    layer.draft(null);
    if (!a) return;
    if (this.type === 'probe' || (this.type === 'freehand' ? a.points.length >= 3 : this.downAt && far(this.downAt, e.canvas))) {
      layer.add(a);
      layer.select(a.id);
    }
  }

  /** @param {ToolEvent} e */
  hover(e) {
    if (this.multi && this.drawing && e.image) this.float(e.image, e);
  }

  /** @param {ToolEvent} e @param {AnnotationLayer} layer @param {Point} p */
  downMulti(e, layer, p) {
    const now = performance.now();
    const double = now - this.lastDown < 400;
    this.lastDown = now;
    if (this.type === 'polygon' && this.drawing && this.fixed.length >= 3) {
      // A double-click, or a click on the first point, closes the polygon.
      const first = this.drawing.points[0];
      const v = e.viewport.view();
      const k = v ? v.zoom : 1;
      if (double || Math.hypot(first.x - p.x, first.y - p.y) * k < CLICK * 1.5) return this.finish();
    }
    if (!this.drawing) {
      const a = layer.create(this.type, [p]);
      if (!a) return;
      this.drawing = a;
      this.fixed = [];
    }
    this.fix(p);
  }

  /** @param {ToolEvent} e @param {AnnotationLayer} layer */
  upMulti(e, layer) {
    if (this.drawing && e.image && this.downAt && far(this.downAt, e.canvas)) this.fix(e.image);
    void layer;
  }

  /**
   * A point of a multi-point shape is placed.
   * @param {Point} p
   */
  fix(p) {
    if (!this.drawing) return;
    const n = this.fixed.length;
    this.fixed.push(this.type === 'ctr' && n % 2 === 1 ? { x: p.x, y: this.fixed[n - 1].y } : p);
    if (this.fixed.length >= POINTS[this.type][1]) return this.finish();
    this.drawing.points = [...this.fixed, { ...p }];
    this.layer?.draft(this.drawing, false);
  }

  /** @param {Point} p @param {ToolEvent} e */
  float(p, e) {
    if (!this.drawing || !this.layer) return;
    const n = this.fixed.length;
    const q = this.type === 'ctr' && n % 2 === 1 ? { x: p.x, y: this.fixed[n - 1].y } : p;
    this.drawing.points = [...this.fixed, q];
    this.layer.draft(this.drawing, false);
    void e;
  }

  /** Ends a multi-point shape with the points fixed so far (added when it has enough). */
  finish() {
    const a = this.drawing;
    const layer = this.layer;
    this.drawing = null;
    if (!a || !layer) return;
    layer.draft(null);
    // A double-click fixes its spot twice; drop repeated points.
    const points = this.fixed.filter((p, i, all) => i === 0 || p.x !== all[i - 1].x || p.y !== all[i - 1].y);
    this.fixed = [];
    if (points.length < POINTS[this.type][0]) return;
    const done = { ...a, points };
    layer.add(done);
    layer.select(done.id);
  }

  /** Enter: close a polygon. */
  complete() {
    if (this.type === 'polygon' && this.drawing) this.finish();
  }

  cancel() {
    this.drawing = null;
    this.fixed = [];
    this.layer?.draft(null);
  }
}

/**
 * Shift makes rectangles square and ellipses circles (in image pixels).
 * @param {AnnotationType} type @param {Point} a @param {Point} b @param {boolean} shift
 */
function constrain(type, a, b, shift) {
  if (!shift || (type !== 'rect' && type !== 'ellipse')) return b;
  const d = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y));
  return { x: a.x + Math.sign(b.x - a.x || 1) * d, y: a.y + Math.sign(b.y - a.y || 1) * d };
}

/** @param {AnnotationType} type @param {string} id */
const drawTool = (type, id) => class extends DrawTool {
  static id = id;
  type = type;
};

export const ProbeTool = drawTool('probe', 'probe');
export const LengthTool = drawTool('length', 'length');
export const RectTool = drawTool('rect', 'rect');
export const EllipseTool = drawTool('ellipse', 'ellipse');
export const PolygonTool = drawTool('polygon', 'polygon');
export const FreehandTool = drawTool('freehand', 'freehand');
export const AngleTool = drawTool('angle', 'angle');
export const CobbTool = drawTool('cobb', 'cobb');
export const CtrTool = drawTool('ctr', 'ctr');
export const TextTool = drawTool('text', 'text');
export const ArrowTool = drawTool('arrow', 'arrow');

/** Moves a whole annotation or one of its handles; the ToolManager gives it gestures that start on one. */
export class EditTool extends Tool {
  static id = 'edit';
  cursor = 'move';
  /** @type {{ layer: AnnotationLayer, original: Annotation, handle: number | null, from: Point } | null} */
  editing = null;
  /** @param {ToolEvent} e */
  down(e) {
    const layer = e.viewport.annotations;
    if (!layer || !e.image) return;
    const h = layer.hit(e.canvas);
    const a = h && layer.get(h.id);
    if (!h || !a) return;
    layer.select(a.id);
    this.editing = { layer, original: a, handle: h.handle, from: e.image };
  }
  /** @param {ToolEvent} e */
  move(e) {
    const g = this.editing;
    if (!g || !e.image) return;
    g.layer.update(this.moved(g, e.image), false);
  }
  /** @param {ToolEvent} e */
  up(e) {
    const g = this.editing;
    this.editing = null;
    if (!g) return;
    if (e.image && far(e.start, e.canvas)) g.layer.update(this.moved(g, e.image), true);
    else g.layer.update(g.original, false);
  }
  /** @param {NonNullable<EditTool['editing']>} g @param {Point} p */
  moved(g, p) {
    if (g.handle !== null) return moveHandle(g.original, g.handle, p);
    return translate(g.original, p.x - g.from.x, p.y - g.from.y);
  }
}

/** The measurement tools in toolbar order, with their keyboard shortcuts. */
export const MEASURE_TOOLS = /** @type {const} */ ([
  ['probe', 'P'], ['length', 'L'], ['rect', 'B'], ['ellipse', 'E'], ['polygon', 'G'], ['freehand', 'D'],
  ['angle', 'A'], ['cobb', 'O'], ['ctr', 'X'], ['text', 'N'], ['arrow', 'W'],
]);

export const TOOL_CLASSES = [
  WindowLevelTool, StackScrollTool, PanTool, ZoomTool, RotateTool, LocateTool, EditTool,
  ProbeTool, LengthTool, RectTool, EllipseTool, PolygonTool, FreehandTool, AngleTool, CobbTool, CtrTool, TextTool, ArrowTool,
];

/** Which tool each mouse button drives. */
export class ToolManager {
  constructor() {
    /** @type {Map<string, Tool>} */
    this.tools = new Map(TOOL_CLASSES.map((C) => [C.id, new C()]));
    /** Left button: the toolbar's choice. */
    this.primary = StackScrollTool.id;
    /** @type {Record<number, string>} button → tool id for the fixed bindings */
    this.fixed = { 1: PanTool.id, 2: WindowLevelTool.id };
  }

  /** @param {string} id */
  setPrimary(id) {
    if (!this.tools.has(id) || id === EditTool.id) return;
    if (id !== this.primary) this.cancel();
    this.primary = id;
  }

  /** The left-button tool. */
  current() {
    return /** @type {Tool} */ (this.tools.get(this.primary));
  }

  /** Drops any drawing in progress. */
  cancel() {
    for (const tool of this.tools.values()) tool.cancel();
  }

  /** @param {number} button MouseEvent.button @param {{ ctrlKey?: boolean, shiftKey?: boolean }} [mods] */
  toolFor(button, mods = {}) {
    if (button === 0 && mods.ctrlKey) return this.tools.get(ZoomTool.id);
    const id = button === 0 ? this.primary : this.fixed[button];
    return id ? this.tools.get(id) : undefined;
  }

  /**
   * Routes pointer gestures on a viewport element to the tools.
   * @param {HTMLElement} element
   * @param {() => ViewportHandle | null} handle the viewport's handle, null while it shows nothing
   * @param {() => void} [onStart] e.g. make this viewport the active one
   */
  bind(element, handle, onStart) {
    /** @type {{ tool: Tool, id: number, start: Point, last: { x: number, y: number }, first: { x: number, y: number }, vp: ViewportHandle } | null} */
    let g = null;
    const toDevice = (/** @type {PointerEvent} */ e, /** @type {ViewportHandle} */ vp) => {
      const r = element.getBoundingClientRect();
      const k = vp.dpr();
      return { x: (e.clientX - r.left) * k, y: (e.clientY - r.top) * k };
    };
    const event = (/** @type {PointerEvent} */ e) => {
      if (!g) throw new Error('no gesture');
      const canvas = toDevice(e, g.vp);
      const v = g.vp.view();
      /** @type {ToolEvent} */
      const out = {
        viewport: g.vp,
        canvas,
        start: g.start,
        image: v ? canvasToImage(v, canvas) : null,
        delta: { x: e.clientX - g.last.x, y: e.clientY - g.last.y },
        total: { x: e.clientX - g.first.x, y: e.clientY - g.first.y },
        shiftKey: e.shiftKey,
        ctrlKey: e.ctrlKey,
      };
      g.last = { x: e.clientX, y: e.clientY };
      return out;
    };
    element.addEventListener('pointerdown', (e) => {
      onStart?.();
      const vp = handle();
      let tool = this.toolFor(e.button, e);
      if (!vp || !tool || g) return;
      const layer = vp.annotations;
      const drawing = tool instanceof DrawTool && tool.drawing !== null;
      if (layer && !drawing && (e.button === 0 || e.button === 2) && !e.ctrlKey && !(e.button === 0 && tool.looksOnly)) {
        // A press on an annotation edits it (left) or opens its menu (right), whatever the tool.
        const hit = layer.hit(toDevice(e, vp));
        if (hit && e.button === 2) {
          e.preventDefault();
          layer.select(hit.id);
          layer.menu(hit.id, e.clientX, e.clientY);
          return;
        }
        if (hit) tool = /** @type {Tool} */ (this.tools.get(EditTool.id));
        else if (e.button === 0 && !tool.draws) layer.select(null);
      }
      e.preventDefault();
      try {
        element.setPointerCapture(e.pointerId);
      } catch {
        /* a synthetic pointer (tests) cannot be captured; the gesture still works inside the element */
      }
      const p = { x: e.clientX, y: e.clientY };
      g = { tool, id: e.pointerId, start: toDevice(e, vp), last: p, first: p, vp };
      element.style.cursor = tool.cursor;
      tool.down(event(e));
    });
    element.addEventListener('pointermove', (e) => {
      if (g && e.pointerId === g.id) return g.tool.move(event(e));
      if (g || e.buttons) return;
      const vp = handle();
      const v = vp?.view();
      if (!vp || !v) return;
      const canvas = toDevice(e, vp);
      const tool = this.current();
      /** @type {ToolEvent} */
      const out = { viewport: vp, canvas, start: canvas, image: canvasToImage(v, canvas), delta: { x: 0, y: 0 }, total: { x: 0, y: 0 }, shiftKey: e.shiftKey, ctrlKey: e.ctrlKey };
      tool.hover(out);
      const over = vp.annotations?.hit(canvas);
      element.style.cursor = over ? (over.handle !== null ? 'pointer' : 'move') : tool.draws ? tool.cursor : '';
    });
    const end = (/** @type {PointerEvent} */ e) => {
      if (!g || e.pointerId !== g.id) return;
      g.tool.up(event(e));
      g = null;
      element.style.cursor = '';
    };
    element.addEventListener('pointerup', end);
    element.addEventListener('pointercancel', end);
    element.addEventListener('contextmenu', (e) => e.preventDefault()); // the right button is window/level
  }
}
