// Interaction tools. A tool is a small class that turns one pointer gesture (down, move…, up) on a viewport into
// changes of that viewport; the ToolManager decides which tool a gesture goes to (left button: the tool chosen
// in the toolbar; right: window/level; middle: pan). Tools see the viewport only through the ViewportHandle
// interface, and every event carries its position in canvas (device) pixels AND in image coordinates (through
// view-transform.js), so measurement and annotation tools (issue #6 part 5) slot in as further classes that
// keep their shapes in image coordinates.

import { panBy, zoomAt, setRotation, canvasToImage } from './view-transform.js';
import { dragWindow } from './presets.js';

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

export const TOOL_CLASSES = [WindowLevelTool, StackScrollTool, PanTool, ZoomTool, RotateTool];

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
    if (this.tools.has(id)) this.primary = id;
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
      const tool = this.toolFor(e.button, e);
      if (!vp || !tool || g) return;
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
      if (g && e.pointerId === g.id) g.tool.move(event(e));
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
