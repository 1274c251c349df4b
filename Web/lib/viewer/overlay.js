// Draws a viewport's annotations on a 2D canvas laid over the WebGL canvas. Shapes are kept in image coordinates
// and each point is mapped through the view (view-transform.js), so they follow zoom, pan, rotation and flips;
// labels are then written in canvas space, so the text stays upright and readable whatever the view.

import { viewMatrix, apply } from './view-transform.js';
import { outline, handles } from './annotations.js';

/** @typedef {import('./annotations.js').Annotation} Annotation */
/** @typedef {import('./view-transform.js').ViewState} ViewState */
/** @typedef {import('./view-transform.js').Point} Point */
/** @typedef {{ x: number, y: number, width: number, height: number }} Box canvas device pixels */
/**
 * @typedef {object} Drawn
 * @property {Annotation} annotation
 * @property {string[]} lines label text
 * @property {Box | null} label where the label was drawn
 */

export const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", system-ui, sans-serif';

/**
 * @param {ViewState} view @returns {(p: Point) => Point} image → canvas
 */
export function mapper(view) {
  const m = viewMatrix(view);
  return (p) => apply(m, p);
}

/**
 * Draws annotations (and the one being drawn) on a cleared 2D context.
 * @param {CanvasRenderingContext2D} ctx sized to the viewport in device pixels
 * @param {ViewState} view
 * @param {{ annotation: Annotation, lines: string[] }[]} items
 * @param {{ selected: string | null, dpr: number, draft?: { annotation: Annotation, lines: string[], closed: boolean } | null }} o
 * @returns {Drawn[]}
 */
export function drawAnnotations(ctx, view, items, o) {
  const toCanvas = mapper(view);
  const k = o.dpr;
  const W = view.viewportWidth;
  const H = view.viewportHeight;
  /** @type {Drawn[]} */
  const drawn = [];
  /** @type {Box[]} */
  const taken = [];
  const all = [...items.map((i) => ({ ...i, closed: true, draft: false })), ...(o.draft ? [{ ...o.draft, draft: true }] : [])];
  // Shapes first, then every label on top of every shape.
  for (const it of all) shape(ctx, it.annotation, toCanvas, k, it.annotation.id === o.selected || it.draft, it.closed);
  for (const it of all) {
    const label = it.lines.length ? writeLabel(ctx, it.annotation, it.lines, toCanvas, k, W, H, taken, it.annotation.id === o.selected) : null;
    if (label) taken.push(label);
    if (!it.draft) drawn.push({ annotation: it.annotation, lines: it.lines, label });
  }
  return drawn;
}

/**
 * @param {CanvasRenderingContext2D} ctx @param {Annotation} a @param {(p: Point) => Point} toCanvas @param {number} k
 * @param {boolean} selected @param {boolean} closed
 */
function shape(ctx, a, toCanvas, k, selected, closed) {
  const lines = outline(a, toCanvas, closed);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  const width = (selected ? 2 : 1.5) * k;
  /** @param {() => void} path */
  const stroke = (path) => {
    // A dark halo under the coloured line keeps it visible on bone as well as on air.
    ctx.beginPath();
    path();
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.lineWidth = width + 2 * k;
    ctx.stroke();
    ctx.strokeStyle = a.color;
    ctx.lineWidth = width;
    ctx.stroke();
  };
  for (const line of lines) {
    if (line.length < 2) continue;
    stroke(() => {
      ctx.moveTo(line[0].x, line[0].y);
      for (let i = 1; i < line.length; i++) ctx.lineTo(line[i].x, line[i].y);
    });
  }
  if (a.type === 'arrow' && a.points.length === 2) {
    const [tip, tail] = a.points.map(toCanvas);
    const ang = Math.atan2(tail.y - tip.y, tail.x - tip.x);
    const len = 12 * k;
    stroke(() => {
      ctx.moveTo(tip.x + len * Math.cos(ang - 0.45), tip.y + len * Math.sin(ang - 0.45));
      ctx.lineTo(tip.x, tip.y);
      ctx.lineTo(tip.x + len * Math.cos(ang + 0.45), tip.y + len * Math.sin(ang + 0.45));
    });
  }
  if (a.type === 'probe') {
    const p = toCanvas(a.points[0]);
    const r = 4 * k;
    stroke(() => {
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.moveTo(p.x - 2.2 * r, p.y);
      ctx.lineTo(p.x - r, p.y);
      ctx.moveTo(p.x + r, p.y);
      ctx.lineTo(p.x + 2.2 * r, p.y);
      ctx.moveTo(p.x, p.y - 2.2 * r);
      ctx.lineTo(p.x, p.y - r);
      ctx.moveTo(p.x, p.y + r);
      ctx.lineTo(p.x, p.y + 2.2 * r);
    });
  }
  if (a.type === 'angle' && a.points.length === 3) {
    // A small arc at the vertex.
    const [p, v, q] = a.points.map(toCanvas);
    const r = Math.min(18 * k, Math.hypot(p.x - v.x, p.y - v.y) / 2, Math.hypot(q.x - v.x, q.y - v.y) / 2);
    const a1 = Math.atan2(p.y - v.y, p.x - v.x);
    let a2 = Math.atan2(q.y - v.y, q.x - v.x);
    let d = a2 - a1;
    while (d > Math.PI) d -= 2 * Math.PI;
    while (d < -Math.PI) d += 2 * Math.PI;
    a2 = a1 + d;
    if (r > 2 * k) stroke(() => ctx.arc(v.x, v.y, r, a1, a2, d < 0));
  }
  // Handles: small on every shape's points, larger and filled on the selected one.
  // (An ellipse's handles are the corners of its box, off the outline: shown only when it is selected.)
  const hs = a.type === 'freehand' || a.type === 'probe' || a.type === 'text' ? [] : selected ? handles(a) : a.type === 'ellipse' ? [] : a.points;
  for (const h of hs.map(toCanvas)) {
    ctx.beginPath();
    ctx.arc(h.x, h.y, (selected ? 4 : 2.5) * k, 0, 2 * Math.PI);
    ctx.fillStyle = selected ? 'rgba(0, 0, 0, 0.75)' : a.color;
    ctx.fill();
    if (selected) {
      ctx.strokeStyle = a.color;
      ctx.lineWidth = 1.5 * k;
      ctx.stroke();
    }
  }
}

/**
 * Writes a label box next to its shape (right of it, else left, kept inside the viewport and clear of the labels
 * already written).
 * @param {CanvasRenderingContext2D} ctx @param {Annotation} a @param {string[]} lines @param {(p: Point) => Point} toCanvas
 * @param {number} k @param {number} W @param {number} H @param {Box[]} taken @param {boolean} selected
 * @returns {Box}
 */
function writeLabel(ctx, a, lines, toCanvas, k, W, H, taken, selected) {
  const size = 13 * k;
  const lineH = Math.round(size * 1.35);
  const pad = 5 * k;
  ctx.font = `${a.type === 'text' ? 600 : 500} ${size}px ${FONT}`;
  const textW = Math.max(...lines.map((l) => ctx.measureText(l).width));
  const w = Math.ceil(textW + 2 * pad);
  const h = lines.length * lineH + 2 * pad - Math.round(size * 0.2);
  const pts = (a.type === 'arrow' ? [a.points[1]] : a.points).map(toCanvas);
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const gap = 12 * k;
  /** @type {number} */
  let x;
  /** @type {number} */
  let y;
  if (a.type === 'text') {
    x = pts[0].x;
    y = pts[0].y - h / 2;
  } else {
    const right = Math.max(...xs) + gap;
    const left = Math.min(...xs) - gap - w;
    x = right + w <= W - 4 * k || left < 4 * k ? right : left;
    y = (Math.min(...ys) + Math.max(...ys)) / 2 - h / 2;
  }
  x = Math.max(4 * k, Math.min(W - w - 4 * k, x));
  y = Math.max(4 * k, Math.min(H - h - 4 * k, y));
  // Step down past labels already there.
  for (let i = 0; i < 8; i++) {
    const clash = taken.find((b) => x < b.x + b.width && x + w > b.x && y < b.y + b.height && y + h > b.y);
    if (!clash) break;
    y = Math.min(H - h - 4 * k, clash.y + clash.height + 3 * k);
  }
  x = Math.round(x);
  y = Math.round(y);
  ctx.fillStyle = selected ? 'rgba(16, 20, 26, 0.86)' : 'rgba(0, 0, 0, 0.62)';
  roundRect(ctx, x, y, w, h, 4 * k);
  ctx.fill();
  if (selected) {
    ctx.strokeStyle = a.color;
    ctx.lineWidth = 1 * k;
    ctx.stroke();
  }
  ctx.fillStyle = a.color;
  ctx.textBaseline = 'top';
  lines.forEach((l, i) => ctx.fillText(l, x + pad, y + pad + i * lineH));
  return { x, y, width: w, height: h };
}

/** @param {CanvasRenderingContext2D} ctx @param {number} x @param {number} y @param {number} w @param {number} h @param {number} r */
function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}
