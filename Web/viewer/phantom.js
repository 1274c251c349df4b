// A synthetic CT-like slice for testing the engine without a server: body, fat ring, lungs, aorta, spine, a
// ramp through every HU from −1024 to 3071 (so every window step is exercised) and an "L" marker in the
// top-left corner that shows at a glance whether the image is flipped or rotated. Integer HU throughout,
// deterministic noise.

export const SIZE = 512;

/**
 * @param {number} x @param {number} y @param {number} cx @param {number} cy @param {number} a @param {number} b
 */
const inEllipse = (x, y, cx, cy, a, b) => ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1;

/**

 * Deterministic noise in [−r, r].

 * @param {number} i @param {number} r

 */
const noise = (i, r) => (Math.imul(i + 1, 2654435761) >>> 0) % (2 * r + 1) - r;

/** @returns {Int32Array} HU, row by row */
export function phantomHU() {
  const hu = new Int32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = y * SIZE + x;
      const px = x + 0.5;
      const py = y + 0.5;
      let v = -2000; // outside the reconstruction circle (padding)
      if (inEllipse(px, py, 256, 256, 250, 250)) v = -1000 + noise(i, 5);
      if (inEllipse(px, py, 256, 256, 200, 150)) v = -100 + noise(i, 10);
      if (inEllipse(px, py, 256, 256, 190, 140)) v = 40 + noise(i, 20);
      if (inEllipse(px, py, 186, 240, 55, 80) || inEllipse(px, py, 326, 240, 55, 80)) v = -850 + noise(i, 60);
      if (inEllipse(px, py, 256, 290, 14, 14)) v = 180 + noise(i, 10);
      if (inEllipse(px, py, 256, 350, 24, 24)) v = 1200 + noise(i, 50);
      if (inEllipse(px, py, 256, 350, 17, 17)) v = 300 + noise(i, 30);
      hu[i] = v;
    }
  }
  // Ramp: rows 470–477 hold −1024 … 3071, one value per pixel.
  for (let k = 0; k < 4096; k++) hu[470 * SIZE + k] = -1024 + k;
  // "L" marker, top left.
  for (let y = 30; y < 90; y++) for (let x = 30; x < 42; x++) hu[y * SIZE + x] = 3000;
  for (let y = 78; y < 90; y++) for (let x = 30; x < 75; x++) hu[y * SIZE + x] = 3000;
  return hu;
}

/**
 * Encodes HU as native little-endian pixel data with RescaleIntercept −1024, and junk in the bits above High Bit
 * (where old objects keep overlays), so that decoding must mask and sign-extend.
 * @param {Int32Array} hu
 * @param {{ bitsStored: number, signed: boolean }} encoding
 * @returns {{ buffer: ArrayBuffer, meta: import('../lib/viewer/pixels.js').DicomJson }}
 */
export function encodePhantom(hu, encoding) {
  const { bitsStored, signed } = encoding;
  const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const mask = 2 ** bitsStored - 1;
  const buffer = new ArrayBuffer(hu.length * 2);
  const view = new DataView(buffer);
  for (let i = 0; i < hu.length; i++) {
    const stored = Math.min(hi, Math.max(lo, hu[i] + 1024));
    const junk = (i * 7) & 0xffff & ~mask;
    view.setUint16(i * 2, (stored & mask) | junk, true);
  }
  /** @param {string} vr @param {unknown[]} Value */
  const a = (vr, Value) => ({ vr, Value });
  const meta = {
    '00280002': a('US', [1]),
    '00280004': a('CS', ['MONOCHROME2']),
    '00280010': a('US', [SIZE]),
    '00280011': a('US', [SIZE]),
    '00280100': a('US', [16]),
    '00280101': a('US', [bitsStored]),
    '00280102': a('US', [bitsStored - 1]),
    '00280103': a('US', [signed ? 1 : 0]),
    '00281050': a('DS', [40, -600]),
    '00281051': a('DS', [400, 1500]),
    '00281052': a('DS', [-1024]),
    '00281053': a('DS', [1]),
    '00281055': a('LO', ['SOFT TISSUE', 'LUNG']),
  };
  return { buffer, meta };
}
