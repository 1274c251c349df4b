// Pseudo-colour lookup tables: 256 RGBA entries indexed by the displayed grey level (after window, invert and
// MONOCHROME1), uploaded by the renderer as a 256×1 texture. Each is defined by a few control points and
// interpolated linearly, which keeps them small and readable; they are our own, not copies of any vendor table.

/** @typedef {'grey' | 'hotIron' | 'rainbow' | 'jet' | 'pet'} LutName */
/** @typedef {[number, [number, number, number]][]} ControlPoints position 0…1 → RGB 0…255, positions ascending */

/** @type {Record<LutName, ControlPoints>} */
const POINTS = {
  grey: [
    [0, [0, 0, 0]],
    [1, [255, 255, 255]],
  ],
  // Black through red and orange to white: red rises first, then green, blue last.
  hotIron: [
    [0, [0, 0, 0]],
    [0.5, [255, 0, 0]],
    [0.75, [255, 128, 0]],
    [1, [255, 255, 255]],
  ],
  // Violet, blue, cyan, green, yellow, red: the spectral order.
  rainbow: [
    [0, [96, 0, 160]],
    [0.2, [0, 0, 255]],
    [0.4, [0, 255, 255]],
    [0.6, [0, 255, 0]],
    [0.8, [255, 255, 0]],
    [1, [255, 0, 0]],
  ],
  // Dark blue to dark red through cyan and yellow.
  jet: [
    [0, [0, 0, 128]],
    [0.125, [0, 0, 255]],
    [0.375, [0, 255, 255]],
    [0.625, [255, 255, 0]],
    [0.875, [255, 0, 0]],
    [1, [128, 0, 0]],
  ],
  // Nuclear-medicine style: black, deep blue-violet, magenta, red, orange, yellow-white for the hottest uptake.
  pet: [
    [0, [0, 0, 0]],
    [0.2, [40, 0, 140]],
    [0.4, [160, 0, 160]],
    [0.6, [255, 80, 0]],
    [0.8, [255, 190, 0]],
    [1, [255, 255, 255]],
  ],
};

/** @type {LutName[]} */
export const LUT_NAMES = /** @type {LutName[]} */ (Object.keys(POINTS));

/**
 * @param {ControlPoints} points
 * @returns {Uint8Array} 256 × RGBA, alpha 255
 */
export function lutFromPoints(points) {
  if (points.length < 2 || points[0][0] !== 0 || points[points.length - 1][0] !== 1) throw new Error('control points must span 0…1');
  const out = new Uint8Array(256 * 4);
  let seg = 0;
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    while (seg < points.length - 2 && t > points[seg + 1][0]) seg++;
    const [t0, c0] = points[seg];
    const [t1, c1] = points[seg + 1];
    const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
    for (let ch = 0; ch < 3; ch++) out[i * 4 + ch] = Math.min(255, Math.max(0, Math.round(c0[ch] + (c1[ch] - c0[ch]) * f)));
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** @type {Map<LutName, Uint8Array>} */
const cache = new Map();

/**
 * The table for a name; shared, so callers must not modify it.
 * @param {LutName} name
 * @returns {Uint8Array}
 */
export function lut(name) {
  let table = cache.get(name);
  if (!table) {
    const points = POINTS[name];
    if (!points) throw new Error(`unknown LUT ${name}`);
    table = lutFromPoints(points);
    cache.set(name, table);
  }
  return table;
}
