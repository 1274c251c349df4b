// Viewport geometry as one 2D affine map from image to canvas. Zoom, pan, rotation and flips change only this
// map (never the texture), and annotations are stored in image coordinates and drawn through it, so they stay
// on their anatomy whatever the user does to the view.
//
// Coordinates. Image: x to the right along a row, y down the columns, (0,0) the top-left corner of the first
// pixel, so pixel (i, j) covers [i, i+1) × [j, j+1) — the convention of DICOM presentation states (PS3.3 C.10.5).
// Canvas: device pixels of the viewport rectangle, origin top-left, y down.
//
// The map is  canvas = T(viewport centre + pan) · R(rotation) · S(zoom, zoom·aspect) · F(flips) · T(−image centre) · image,
// i.e. the image is flipped first and rotated after, as in presentation states (PS3.3 C.10.6). The user's
// flips are meant on screen, so flipHorizontal/flipVertical rewrite them into that order.

/** x' = a·x + c·y + e, y' = b·x + d·y + f (the layout of DOMMatrix and CanvasRenderingContext2D.setTransform). */
/** @typedef {{ a: number, b: number, c: number, d: number, e: number, f: number }} Affine */
/** @typedef {{ x: number, y: number }} Point */
/**
 * @typedef {object} ViewState
 * @property {number} imageWidth columns
 * @property {number} imageHeight rows
 * @property {number} viewportWidth device pixels
 * @property {number} viewportHeight device pixels
 * @property {number} zoom canvas device pixels per image pixel (1 = one image pixel per screen pixel)
 * @property {number} panX device pixels from the viewport centre to the image centre
 * @property {number} panY
 * @property {number} rotation degrees clockwise on screen, 0 ≤ r < 360
 * @property {boolean} flipH
 * @property {boolean} flipV
 * @property {number} aspect height / width of one pixel (row spacing / column spacing), 1 for square pixels
 */

/** @param {Affine} m @param {Affine} n @returns {Affine} m·n (n applied first) */
export function multiply(m, n) {
  return {
    a: m.a * n.a + m.c * n.b,
    b: m.b * n.a + m.d * n.b,
    c: m.a * n.c + m.c * n.d,
    d: m.b * n.c + m.d * n.d,
    e: m.a * n.e + m.c * n.f + m.e,
    f: m.b * n.e + m.d * n.f + m.f,
  };
}

/** @param {Affine} m @returns {Affine} */
export function invert(m) {
  const det = m.a * m.d - m.b * m.c;
  if (!det) throw new Error('singular view transform');
  return {
    a: m.d / det,
    b: -m.b / det,
    c: -m.c / det,
    d: m.a / det,
    e: (m.c * m.f - m.d * m.e) / det,
    f: (m.b * m.e - m.a * m.f) / det,
  };
}

/** @param {Affine} m @param {Point} p @returns {Point} */
export function apply(m, p) {
  return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
}

/** @param {number} x @param {number} y @returns {Affine} */
const translate = (x, y) => ({ a: 1, b: 0, c: 0, d: 1, e: x, f: y });
/** @param {number} sx @param {number} sy @returns {Affine} */
const scale = (sx, sy) => ({ a: sx, b: 0, c: 0, d: sy, e: 0, f: 0 });

/** Exact sine/cosine at multiples of 90° so that quarter turns map pixel centres onto pixel centres. */
function sinCos(/** @type {number} */ degrees) {
  const r = ((degrees % 360) + 360) % 360;
  if (r === 0) return [0, 1];
  if (r === 90) return [1, 0];
  if (r === 180) return [0, -1];
  if (r === 270) return [-1, 0];
  const rad = (r * Math.PI) / 180;
  return [Math.sin(rad), Math.cos(rad)];
}

/** @param {number} degrees @returns {Affine} clockwise on a y-down screen */
function rotate(degrees) {
  const [s, c] = sinCos(degrees);
  return { a: c, b: s, c: -s, d: c, e: 0, f: 0 };
}

/** @param {number} degrees */
const normalise = (degrees) => {
  const r = ((degrees % 360) + 360) % 360;
  return r === 360 ? 0 : r; // (-1e-15 % 360) + 360 rounds to 360
};

/**

 * The map with everything but the pan, which zoomAt needs.

 * @param {ViewState} s

 */
function withoutPan(s) {
  let m = translate(-s.imageWidth / 2, -s.imageHeight / 2);
  m = multiply(scale(s.flipH ? -1 : 1, s.flipV ? -1 : 1), m);
  m = multiply(scale(s.zoom, s.zoom * s.aspect), m);
  m = multiply(rotate(s.rotation), m);
  return multiply(translate(s.viewportWidth / 2, s.viewportHeight / 2), m);
}

/**

 * Image → canvas.

 * @param {ViewState} s @returns {Affine}

 */
export function viewMatrix(s) {
  return multiply(translate(s.panX, s.panY), withoutPan(s));
}

/** @param {ViewState} s @param {Point} p */
export function imageToCanvas(s, p) {
  return apply(viewMatrix(s), p);
}

/** @param {ViewState} s @param {Point} p */
export function canvasToImage(s, p) {
  return apply(invert(viewMatrix(s)), p);
}

/**
 * The image pixel shown at a canvas point, or null outside the image (for pixel-value probes and tests).
 * @param {ViewState} s @param {Point} p
 * @returns {{ column: number, row: number } | null}
 */
export function pixelAt(s, p) {
  const q = canvasToImage(s, p);
  const column = Math.floor(q.x);
  const row = Math.floor(q.y);
  if (column < 0 || row < 0 || column >= s.imageWidth || row >= s.imageHeight) return null;
  return { column, row };
}

/**

 * The zoom at which the whole (rotated) image just fits the viewport.

 * @param {ViewState} s

 */
export function fitZoom(s) {
  const [sin, cos] = sinCos(s.rotation).map(Math.abs);
  const w = cos * s.imageWidth + sin * s.imageHeight * s.aspect;
  const h = sin * s.imageWidth + cos * s.imageHeight * s.aspect;
  if (w <= 0 || h <= 0) return 1;
  return Math.min(s.viewportWidth / w, s.viewportHeight / h);
}

/**
 * A new view of an image in a viewport: fitted, centred, unrotated.
 * @param {number} imageWidth @param {number} imageHeight @param {number} viewportWidth @param {number} viewportHeight
 * @param {number} [aspect]
 * @returns {ViewState}
 */
export function createView(imageWidth, imageHeight, viewportWidth, viewportHeight, aspect = 1) {
  /** @type {ViewState} */
  const s = { imageWidth, imageHeight, viewportWidth, viewportHeight, zoom: 1, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, aspect };
  return fit(s);
}

/**

 * Fit and centre, keeping rotation and flips.

 * @param {ViewState} s @returns {ViewState}

 */
export function fit(s) {
  return { ...s, zoom: fitZoom(s), panX: 0, panY: 0 };
}

/**

 * One image pixel per device pixel, centred.

 * @param {ViewState} s @returns {ViewState}

 */
export function oneToOne(s) {
  return { ...s, zoom: 1, panX: 0, panY: 0 };
}

/**

 * Back to the initial view: fitted, unrotated, unflipped.

 * @param {ViewState} s @returns {ViewState}

 */
export function reset(s) {
  return fit({ ...s, rotation: 0, flipH: false, flipV: false });
}

/** @param {ViewState} s @param {number} dx @param {number} dy device pixels @returns {ViewState} */
export function panBy(s, dx, dy) {
  return { ...s, panX: s.panX + dx, panY: s.panY + dy };
}

/**
 * Zoom by a factor keeping the image point under `at` (canvas) where it is — the wheel-zoom behaviour.
 * Without `at`, zooms about the viewport centre.
 * @param {ViewState} s @param {number} factor @param {Point} [at]
 * @returns {ViewState}
 */
export function zoomAt(s, factor, at) {
  const q = at ?? { x: s.viewportWidth / 2, y: s.viewportHeight / 2 };
  const p = canvasToImage(s, q);
  const next = { ...s, zoom: s.zoom * factor };
  const moved = apply(withoutPan(next), p);
  return { ...next, panX: q.x - moved.x, panY: q.y - moved.y };
}

/**

 * Rotate clockwise on screen about the image centre (the image turns in place).

 * @param {ViewState} s @param {number} degrees

 */
export function rotateBy(s, degrees) {
  return { ...s, rotation: normalise(s.rotation + degrees) };
}

/** @param {ViewState} s @param {number} degrees @returns {ViewState} */
export function setRotation(s, degrees) {
  return { ...s, rotation: normalise(degrees) };
}

/**
 * Mirror left–right on screen about the image centre. A screen flip after a rotation R(θ) equals the image flip
 * before R(−θ) (F·R(θ) = R(−θ)·F), which keeps the state in presentation-state order.
 * @param {ViewState} s @returns {ViewState}
 */
export function flipHorizontal(s) {
  return { ...s, flipH: !s.flipH, rotation: normalise(-s.rotation) };
}

/**

 * Mirror top–bottom on screen about the image centre.

 * @param {ViewState} s @returns {ViewState}

 */
export function flipVertical(s) {
  return { ...s, flipV: !s.flipV, rotation: normalise(-s.rotation) };
}

/**

 * A new viewport size (window resize, layout change), keeping zoom and pan.

 * @param {ViewState} s @param {number} w @param {number} h

 */
export function resize(s, w, h) {
  return { ...s, viewportWidth: w, viewportHeight: h };
}
