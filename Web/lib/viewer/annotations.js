// The annotation model (issue #6 part 5, VIEW-19…26): measurements and annotations kept in image coordinates per
// SOP Instance UID and frame, serialised as the JSON array the server stores per user and study, and parsed back
// with validation so that a damaged or hand-edited document drops the bad entries instead of breaking the viewer.
// Also the geometry the overlay needs: handles, moving, outlines in canvas space and hit testing, and the label
// text of each measurement (measure.js does the math).

import {
  distance, polygonArea, rectArea, ellipseArea, angle, cobbAngle, cardiothoracic, regionStats, pixelValue, fmt,
} from './measure.js';

/** @typedef {import('./view-transform.js').Point} Point */
/** @typedef {import('./measure.js').Calibration} Calibration */
/** @typedef {import('./measure.js').RegionStats} RegionStats */
/** @typedef {import('./pixels.js').ImageInfo} ImageInfo */
/** @typedef {import('./pixels.js').PixelArray} PixelArray */
/** @typedef {'probe' | 'length' | 'rect' | 'ellipse' | 'polygon' | 'freehand' | 'angle' | 'cobb' | 'ctr' | 'text' | 'arrow'} AnnotationType */
/**
 * @typedef {object} Annotation
 * @property {string} id
 * @property {AnnotationType} type
 * @property {string} sop SOP Instance UID of the image it is drawn on
 * @property {number} frame 1-based frame number
 * @property {Point[]} points image coordinates
 * @property {string} color one of PALETTE (or any #rrggbb)
 * @property {string} [text] text annotations, optional on arrows
 * @property {string} [series] Series Instance UID (for the list; not needed to draw)
 */
/** @typedef {(key: string, params?: Record<string, string | number>) => string} Translate */

/** Every type, in toolbar order. */
export const TYPES = /** @type {const} */ (['probe', 'length', 'rect', 'ellipse', 'polygon', 'freehand', 'angle', 'cobb', 'ctr', 'text', 'arrow']);

/** Points each type has: [min, max]. */
export const POINTS = Object.freeze({
  probe: [1, 1], length: [2, 2], rect: [2, 2], ellipse: [2, 2], polygon: [3, 1000], freehand: [3, 5000],
  angle: [3, 3], cobb: [4, 4], ctr: [4, 4], text: [1, 1], arrow: [2, 2],
});

/** The colours a user can give an annotation (VIEW-26); the first is the default (yellow reads on grey and on colour). */
export const PALETTE = Object.freeze(['#ffd84a', '#5fe07c', '#4dd2ff', '#ff6b6b', '#ffa040', '#ffffff']);
export const DEFAULT_COLOR = PALETTE[0];

export const LIMITS = Object.freeze({ annotations: 5000, text: 500, uid: 128, coordinate: 1e6 });

let counter = 0;
/** A short unique id (crypto.randomUUID needs a secure context, which a hospital LAN address may not be). */
export function newId() {
  counter = (counter + 1) % 1e6;
  return `${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The JSON the server stores: an array of plain objects, points as [x, y] pairs rounded to 1/1000 pixel.
 * @param {Annotation[]} list
 */
export function serialize(list) {
  return JSON.stringify(list.map((a) => {
    /** @type {Record<string, unknown>} */
    const o = { id: a.id, type: a.type, sop: a.sop, frame: a.frame, points: a.points.map((p) => [round(p.x), round(p.y)]), color: a.color };
    if (a.text) o.text = a.text;
    if (a.series) o.series = a.series;
    return o;
  }));
}

/** @param {number} v */
const round = (v) => Math.round(v * 1000) / 1000;

/** @param {unknown} v @returns {v is string} */
const isUid = (v) => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.uid;

/**
 * One stored entry → an Annotation, or null when it is not a valid one.
 * @param {unknown} raw
 * @returns {Annotation | null}
 */
export function parseOne(raw) {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const o = /** @type {Record<string, unknown>} */ (raw);
  const type = /** @type {AnnotationType} */ (o.type);
  if (typeof type !== 'string' || !TYPES.includes(type)) return null;
  if (!isUid(o.id) || !isUid(o.sop)) return null;
  if (typeof o.frame !== 'number' || !Number.isInteger(o.frame) || o.frame < 1) return null;
  if (!Array.isArray(o.points)) return null;
  const [min, max] = POINTS[type];
  if (o.points.length < min || o.points.length > max) return null;
  /** @type {Point[]} */
  const points = [];
  for (const p of o.points) {
    if (!Array.isArray(p) || p.length !== 2) return null;
    const [x, y] = p;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (Math.abs(x) > LIMITS.coordinate || Math.abs(y) > LIMITS.coordinate) return null;
    points.push({ x, y });
  }
  const color = typeof o.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(o.color) ? o.color.toLowerCase() : DEFAULT_COLOR;
  /** @type {Annotation} */
  const a = { id: o.id, type, sop: o.sop, frame: o.frame, points, color };
  if (typeof o.text === 'string' && o.text.trim()) a.text = o.text.slice(0, LIMITS.text);
  else if (type === 'text') return null;
  if (isUid(o.series)) a.series = o.series;
  return a;
}

/**
 * The stored document → the annotations in it; never throws. Entries that are not valid are dropped (and counted),
 * as are duplicates of an id.
 * @param {unknown} text the `annotations` string of GET /api/viewer/studies/{uid}/annotations
 * @returns {{ annotations: Annotation[], dropped: number }}
 */
export function parse(text) {
  if (typeof text !== 'string' || !text.trim()) return { annotations: [], dropped: 0 };
  /** @type {unknown} */
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { annotations: [], dropped: 1 };
  }
  if (!Array.isArray(data)) return { annotations: [], dropped: 1 };
  /** @type {Annotation[]} */
  const out = [];
  const ids = new Set();
  let dropped = 0;
  for (const raw of data) {
    const a = out.length < LIMITS.annotations ? parseOne(raw) : null;
    if (!a || ids.has(a.id)) {
      dropped++;
      continue;
    }
    ids.add(a.id);
    out.push(a);
  }
  return { annotations: out, dropped };
}

// ---------------------------------------------------------------- geometry

/**
 * The points a user can drag to reshape (image coordinates). Rectangles and ellipses have the four corners of
 * their box; freehand outlines move only as a whole.
 * @param {Annotation} a @returns {Point[]}
 */
export function handles(a) {
  if (a.type === 'rect' || a.type === 'ellipse') {
    const [p, q] = a.points;
    return [p, { x: q.x, y: p.y }, q, { x: p.x, y: q.y }];
  }
  if (a.type === 'freehand' || a.type === 'text') return [];
  return a.points;
}

/**
 * The annotation with handle k moved to p (image coordinates).
 * @param {Annotation} a @param {number} k @param {Point} p @returns {Annotation}
 */
export function moveHandle(a, k, p) {
  if (a.type === 'rect' || a.type === 'ellipse') {
    const opposite = handles(a)[(k + 2) % 4];
    return { ...a, points: [{ ...opposite }, { ...p }] };
  }
  const points = a.points.map((q) => ({ ...q }));
  if (k < 0 || k >= points.length) return a;
  points[k] = { ...p };
  if (a.type === 'ctr') {
    // Both lines stay horizontal: the other end of the moved line follows in y.
    const other = k % 2 === 0 ? k + 1 : k - 1;
    points[other].y = p.y;
  }
  return { ...a, points };
}

/** @param {Annotation} a @param {number} dx @param {number} dy image pixels @returns {Annotation} */
export function translate(a, dx, dy) {
  return { ...a, points: a.points.map((p) => ({ x: p.x + dx, y: p.y + dy })) };
}

/**
 * The lines to draw, in canvas coordinates: polylines (closed ones repeat their first point).
 * Ellipses are sampled in image space and mapped, so they stay right under rotation and non-square pixels.
 * @param {Annotation} a @param {(p: Point) => Point} toCanvas @param {boolean} [closed] false while a polygon is being drawn
 * @returns {Point[][]}
 */
export function outline(a, toCanvas, closed = true) {
  const c = a.points.map(toCanvas);
  switch (a.type) {
    case 'length':
    case 'arrow':
      return [c];
    case 'rect': {
      const h = handles(a).map(toCanvas);
      return [[...h, h[0]]];
    }
    case 'ellipse': {
      const [p, q] = a.points;
      const cx = (p.x + q.x) / 2;
      const cy = (p.y + q.y) / 2;
      const rx = Math.abs(q.x - p.x) / 2;
      const ry = Math.abs(q.y - p.y) / 2;
      /** @type {Point[]} */
      const pts = [];
      for (let i = 0; i <= 72; i++) {
        const t = (i / 72) * 2 * Math.PI;
        pts.push(toCanvas({ x: cx + rx * Math.cos(t), y: cy + ry * Math.sin(t) }));
      }
      return [pts];
    }
    case 'polygon':
    case 'freehand':
      return [closed ? [...c, c[0]] : c];
    case 'angle':
      return [c];
    case 'cobb':
    case 'ctr': {
      /** @type {Point[][]} */
      const lines = [];
      for (let i = 0; i + 1 < c.length; i += 2) lines.push([c[i], c[i + 1]]);
      return lines;
    }
    default:
      return [];
  }
}

/**
 * Distance from p to the segment a–b.
 * @param {Point} p @param {Point} a @param {Point} b
 */
export function segmentDistance(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/**
 * What of an annotation is under a canvas point: a handle (its index), its outline, or nothing.
 * @param {Annotation} a @param {(p: Point) => Point} toCanvas @param {Point} p canvas @param {number} tolerance canvas pixels
 * @returns {{ handle: number } | { body: true } | null}
 */
export function hit(a, toCanvas, p, tolerance) {
  const hs = handles(a).map(toCanvas);
  let best = -1;
  let bestD = tolerance;
  hs.forEach((q, i) => {
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  if (best >= 0) return { handle: best };
  if (a.type === 'probe') {
    const q = toCanvas(a.points[0]);
    return Math.hypot(q.x - p.x, q.y - p.y) <= tolerance * 1.5 ? { body: true } : null;
  }
  for (const line of outline(a, toCanvas)) {
    for (let i = 1; i < line.length; i++) if (segmentDistance(p, line[i - 1], line[i]) <= tolerance) return { body: true };
  }
  return null;
}

// ---------------------------------------------------------------- labels

/**
 * What the overlay needs to label a measurement on an image.
 * @typedef {object} MeasureContext
 * @property {Calibration} cal
 * @property {string} unit modality value unit ('HU' for CT, '' for pixel values)
 * @property {{ info: ImageInfo, pixels: PixelArray } | null} frame exact pixels when decoded (stats need them)
 */

/** @param {Calibration} cal @param {Translate} t @param {number} mm */
export function lengthText(cal, t, mm) {
  if (cal.source === 'none') return `${fmt(mm, 1)} px`;
  return `${fmt(mm, 2)} mm${cal.source === 'imager' ? t('viewer.m.detector') : ''}`;
}

/** @param {Calibration} cal @param {Translate} t @param {number} mm2 */
export function areaText(cal, t, mm2) {
  if (cal.source === 'none') return `${fmt(mm2, 0)} px²`;
  const suffix = cal.source === 'imager' ? t('viewer.m.detector') : '';
  return mm2 >= 100 ? `${fmt(mm2 / 100, 2)} cm²${suffix}` : `${fmt(mm2, 1)} mm²${suffix}`;
}

/** @param {number} v @param {string} unit */
const valueText = (v, unit) => `${fmt(v, 1)}${unit ? ` ${unit}` : ''}`;

/**
 * The statistics lines of an ROI.
 * @param {RegionStats | null} s @param {MeasureContext} m @param {Translate} t
 */
function statsLines(s, m, t) {
  if (!m.frame) return [t('viewer.m.pending')];
  if (m.frame.info.samplesPerPixel !== 1 || !s) return [];
  return [
    t('viewer.m.mean', { mean: valueText(s.mean, m.unit), sd: fmt(s.sd, 1) }),
    t('viewer.m.range', { min: fmt(s.min, Number.isInteger(s.min) ? 0 : 1), max: fmt(s.max, Number.isInteger(s.max) ? 0 : 1) }),
  ];
}

/**
 * The region of an ROI annotation for regionStats.
 * @param {Annotation} a @returns {import('./measure.js').Region | null}
 */
export function region(a) {
  if (a.type === 'rect' || a.type === 'ellipse') return { kind: a.type, a: a.points[0], b: a.points[1] };
  if (a.type === 'polygon' || a.type === 'freehand') return { kind: 'polygon', points: a.points };
  return null;
}

/**
 * The values of a measurement, as numbers (for the list, the tests) — and the lines of its label.
 * @param {Annotation} a @param {MeasureContext} m @param {Translate} t
 * @returns {{ lines: string[], values: Record<string, number | null> }}
 */
export function measureAnnotation(a, m, t) {
  const p = a.points;
  const { cal } = m;
  if (p.length < POINTS[a.type][0]) return { lines: [], values: {} }; // a drawing not finished yet
  switch (a.type) {
    case 'probe': {
      if (!m.frame) return { lines: [t('viewer.m.pending')], values: {} };
      const v = pixelValue(m.frame.pixels, m.frame.info, p[0]);
      if (!v) return { lines: [], values: {} };
      if (v.rgb) return { lines: [t('viewer.m.rgb', { r: v.rgb[0], g: v.rgb[1], b: v.rgb[2] })], values: {} };
      const value = /** @type {number} */ (v.value);
      const line = m.unit === 'HU' ? t('viewer.m.hu', { v: fmt(value, 0) }) : t('viewer.m.value', { v: fmt(value, Number.isInteger(value) ? 0 : 2) });
      return { lines: [line, t('viewer.m.pixel', { x: v.column, y: v.row })], values: { value } };
    }
    case 'length':
    case 'arrow': {
      if (a.type === 'arrow') return { lines: a.text ? [a.text] : [], values: {} };
      const d = distance(p[0], p[1], cal);
      return { lines: [lengthText(cal, t, d)], values: { length: d } };
    }
    case 'rect':
    case 'ellipse':
    case 'polygon':
    case 'freehand': {
      const area = a.type === 'rect' ? rectArea(p[0], p[1], cal) : a.type === 'ellipse' ? ellipseArea(p[0], p[1], cal) : polygonArea(p, cal);
      const r = region(a);
      const s = m.frame && r ? regionStats(m.frame.pixels, m.frame.info, r) : null;
      return {
        lines: [t('viewer.m.area', { v: areaText(cal, t, area) }), ...statsLines(s, m, t)],
        values: { area, mean: s?.mean ?? null, sd: s?.sd ?? null, min: s?.min ?? null, max: s?.max ?? null, count: s?.count ?? null },
      };
    }
    case 'angle': {
      const deg = angle(p[0], p[1], p[2], cal);
      return { lines: [`${fmt(deg, 1)}°`], values: { angle: deg } };
    }
    case 'cobb': {
      const deg = cobbAngle([p[0], p[1]], [p[2], p[3]], cal);
      return { lines: [t('viewer.m.cobb', { v: fmt(deg, 1) })], values: { angle: deg } };
    }
    case 'ctr': {
      const r = cardiothoracic([p[0], p[1]], [p[2], p[3]], cal);
      return {
        lines: [
          t('viewer.m.ctr', { v: r.ratio === null ? '—' : fmt(r.ratio, 2) }),
          t('viewer.m.ctrWidths', { heart: lengthText(cal, t, r.heart), thorax: lengthText(cal, t, r.thorax) }),
        ],
        values: { ratio: r.ratio, heart: r.heart, thorax: r.thorax },
      };
    }
    case 'text':
      return { lines: [a.text ?? ''], values: {} };
    default:
      return { lines: [], values: {} };
  }
}
