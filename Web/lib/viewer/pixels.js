// Pixel data for display: DICOM JSON attributes → image description, native pixel bytes → typed arrays, and the
// CPU reference of the grey display pipeline (Modality LUT, then VOI window; PS3.3 C.11.1 and C.11.2.1.2).
// The GPU shader in gl-renderer.js computes the same thing; the tests hold the two to equality.

/** @typedef {'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID'} VoiFunction */
/** @typedef {{ center: number, width: number, fn: VoiFunction, explanation?: string }} Window */
/**
 * @typedef {object} ImageInfo
 * @property {number} rows
 * @property {number} columns
 * @property {number} bitsAllocated
 * @property {number} bitsStored
 * @property {number} highBit
 * @property {number} pixelRepresentation 0 unsigned, 1 two's complement
 * @property {string} photometric
 * @property {number} samplesPerPixel
 * @property {number} planarConfiguration
 * @property {number} frames
 * @property {number} rescaleSlope
 * @property {number} rescaleIntercept
 * @property {Window[]} windows every window the object carries (Window Center/Width may be multi-valued)
 */
/** @typedef {Int16Array | Uint16Array | Uint8Array} PixelArray */
/** @typedef {Record<string, { vr: string, Value?: unknown[] }>} DicomJson */

/** Tags by keyword, as they appear in DICOM JSON (PS3.18 F.2). */
export const TAGS = Object.freeze({
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  PlanarConfiguration: '00280006',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  HighBit: '00280102',
  PixelRepresentation: '00280103',
  WindowCenter: '00281050',
  WindowWidth: '00281051',
  RescaleIntercept: '00281052',
  RescaleSlope: '00281053',
  WindowExplanation: '00281055',
  VOILUTFunction: '00281056',
});

/**
 * Every value of an attribute as numbers. DICOM JSON carries DS/IS as JSON numbers, but some servers send
 * the decimal strings, so both are accepted.
 * @param {DicomJson} meta @param {string} tag
 * @returns {number[]}
 */
export function numbers(meta, tag) {
  const values = meta[tag]?.Value;
  if (!Array.isArray(values)) return [];
  return values.map((v) => (typeof v === 'number' ? v : Number(String(v).trim()))).filter((v) => Number.isFinite(v));
}

/** @param {DicomJson} meta @param {string} tag @param {number} fallback */
export function number(meta, tag, fallback) {
  const v = numbers(meta, tag);
  return v.length ? v[0] : fallback;
}

/** @param {DicomJson} meta @param {string} tag @returns {string[]} */
export function strings(meta, tag) {
  const values = meta[tag]?.Value;
  return Array.isArray(values) ? values.map((v) => String(v ?? '').trim()) : [];
}

/**
 * @param {string} s
 * @returns {VoiFunction}
 */
function voiFunction(s) {
  const f = s.toUpperCase();
  return f === 'LINEAR_EXACT' || f === 'SIGMOID' ? f : 'LINEAR'; // PS3.3 C.11.2.1.3: absent means LINEAR
}

/**
 * The image description from one instance's DICOM JSON metadata (WADO-RS /metadata item).
 * @param {DicomJson} meta
 * @returns {ImageInfo}
 */
export function imageInfo(meta) {
  const centers = numbers(meta, TAGS.WindowCenter);
  const widths = numbers(meta, TAGS.WindowWidth);
  const explanations = strings(meta, TAGS.WindowExplanation);
  const fn = voiFunction(strings(meta, TAGS.VOILUTFunction)[0] ?? '');
  /** @type {Window[]} */
  const windows = [];
  // Centre and width are paired by position (PS3.3 C.11.2.1.2); a width below 1 is not a valid LINEAR window.
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (fn === 'LINEAR' ? widths[i] < 1 : widths[i] <= 0) continue;
    /** @type {Window} */
    const w = { center: centers[i], width: widths[i], fn };
    if (explanations[i]) w.explanation = explanations[i];
    windows.push(w);
  }
  const bitsAllocated = number(meta, TAGS.BitsAllocated, 16);
  const bitsStored = number(meta, TAGS.BitsStored, bitsAllocated);
  return {
    rows: number(meta, TAGS.Rows, 0),
    columns: number(meta, TAGS.Columns, 0),
    bitsAllocated,
    bitsStored,
    highBit: number(meta, TAGS.HighBit, bitsStored - 1),
    pixelRepresentation: number(meta, TAGS.PixelRepresentation, 0),
    photometric: (strings(meta, TAGS.PhotometricInterpretation)[0] ?? 'MONOCHROME2').toUpperCase(),
    samplesPerPixel: number(meta, TAGS.SamplesPerPixel, 1),
    planarConfiguration: number(meta, TAGS.PlanarConfiguration, 0),
    frames: number(meta, TAGS.NumberOfFrames, 1),
    rescaleSlope: number(meta, TAGS.RescaleSlope, 1),
    rescaleIntercept: number(meta, TAGS.RescaleIntercept, 0),
    windows,
  };
}

/** @param {ImageInfo} info */
export function isColor(info) {
  return info.samplesPerPixel === 3;
}

/**

 * Bytes of one frame in native (uncompressed) encoding.

 * @param {ImageInfo} info

 */
export function frameBytes(info) {
  return (info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8;
}

/**
 * Native little-endian pixel data of one frame → a typed array the GPU can take as it is:
 * grey 16-bit → Int16Array (signed) or Uint16Array, grey 8-bit → Uint8Array (signed 8-bit widens to Int16Array),
 * colour → interleaved RGB Uint8Array (planar and YBR_FULL converted). Grey values are masked to Bits Stored
 * (bits above High Bit may hold overlays or junk) and sign-extended.
 * @param {ImageInfo} info
 * @param {ArrayBuffer} buffer
 * @param {number} [byteOffset] where the frame starts (multi-frame objects: frame index × frameBytes)
 * @returns {PixelArray}
 */
export function decodePixels(info, buffer, byteOffset = 0) {
  const count = info.rows * info.columns;
  if (byteOffset + frameBytes(info) > buffer.byteLength) throw new Error('pixel data shorter than the frame');
  if (isColor(info)) return decodeColor(info, new Uint8Array(buffer, byteOffset, count * 3));
  if (info.samplesPerPixel !== 1) throw new Error(`unsupported samples per pixel ${info.samplesPerPixel}`);
  if (info.bitsAllocated !== 8 && info.bitsAllocated !== 16) throw new Error(`unsupported bits allocated ${info.bitsAllocated}`);
  if (info.bitsStored < 1 || info.highBit + 1 > info.bitsAllocated || info.highBit + 1 < info.bitsStored) {
    throw new Error('inconsistent bits stored / high bit');
  }
  const shift = info.highBit + 1 - info.bitsStored;
  const mask = (1 << info.bitsStored) - 1;
  const signed = info.pixelRepresentation === 1;
  const signBit = 1 << (info.bitsStored - 1);
  const full = 1 << info.bitsStored;
  /** @type {PixelArray} */
  let out;
  if (signed) out = new Int16Array(count);
  else out = info.bitsAllocated === 16 ? new Uint16Array(count) : new Uint8Array(count);
  // DataView reads little-endian whatever the host order and whatever the alignment of byteOffset.
  const view = new DataView(buffer, byteOffset);
  const wide = info.bitsAllocated === 16;
  for (let i = 0; i < count; i++) {
    let v = wide ? view.getUint16(i * 2, true) : view.getUint8(i);
    v = (v >> shift) & mask;
    if (signed && v & signBit) v -= full;
    out[i] = v;
  }
  return out;
}

/** @param {number} v */
const byte = (v) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * @param {ImageInfo} info
 * @param {Uint8Array} src
 * @returns {Uint8Array}
 */
function decodeColor(info, src) {
  if (info.bitsAllocated !== 8) throw new Error('only 8-bit colour is supported');
  const n = info.rows * info.columns;
  const out = new Uint8Array(n * 3);
  const planar = info.planarConfiguration === 1;
  const ybr = info.photometric === 'YBR_FULL';
  for (let i = 0; i < n; i++) {
    const a = planar ? src[i] : src[i * 3];
    const b = planar ? src[n + i] : src[i * 3 + 1];
    const c = planar ? src[2 * n + i] : src[i * 3 + 2];
    if (ybr) {
      // PS3.3 C.7.6.3.1.2, YBR_FULL → RGB
      out[i * 3] = byte(a + 1.402 * (c - 128));
      out[i * 3 + 1] = byte(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[i * 3 + 2] = byte(a + 1.772 * (b - 128));
    } else {
      out[i * 3] = a;
      out[i * 3 + 1] = b;
      out[i * 3 + 2] = c;
    }
  }
  return out;
}

/**

 * Modality LUT by rescale (PS3.3 C.11.1.1.2).

 * @param {number} stored @param {ImageInfo} info

 */
export function modalityValue(stored, info) {
  return stored * info.rescaleSlope + info.rescaleIntercept;
}

/**
 * The VOI window function as PS3.3 C.11.2.1.2 writes it, with output range 0…255, unrounded.
 * @param {number} x modality value
 * @param {Window} win
 */
export function windowValue(x, win) {
  const c = win.center;
  const w = win.width;
  if (win.fn === 'SIGMOID') return 255 / (1 + Math.exp((-4 * (x - c)) / w));
  if (win.fn === 'LINEAR_EXACT') {
    if (x <= c - w / 2) return 0;
    if (x > c + w / 2) return 255;
    return ((x - c) / w + 0.5) * 255;
  }
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 255;
  return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
}

/**
 * The displayed grey level 0…255: the window function rounded to nearest, halves up.
 *
 * For the linear functions the formula is rewritten so that rounding is exact, not at the mercy of floating
 * point at the .5 boundaries (which do occur, e.g. LINEAR_EXACT with W=2 or LINEAR with C=40.5, W=256):
 * with n = x − c + w/2 both read y = 255·n / B, B = w − 1 (LINEAR) or w (LINEAR_EXACT), y = 0 for n ≤ 0 and
 * 255 for n > B. round(y) = the k with (2k − 1)·B ≤ 510·n < (2k + 1)·B, which is decided with products that are
 * exact whenever x, c and w are integers or halves. The shader does the same in float32.
 * @param {number} x modality value
 * @param {Window} win
 */
export function windowByte(x, win) {
  if (win.fn === 'SIGMOID') return byte(windowValue(x, win));
  const b = win.fn === 'LINEAR' ? win.width - 1 : win.width;
  const n = x - win.center + win.width / 2;
  if (n <= 0) return 0;
  if (n > b) return 255;
  let k = Math.floor((255 * n) / b + 0.5);
  const t = 510 * n;
  if ((2 * k + 1) * b <= t) k += 1;
  else if ((2 * k - 1) * b > t) k -= 1;
  return k < 0 ? 0 : k > 255 ? 255 : k;
}

/**
 * @typedef {object} GreyDisplay
 * @property {Window} window
 * @property {boolean} [invert] user invert; MONOCHROME1 inverts once more
 */

/**
 * CPU reference of a grey frame's display: one byte per pixel (before any pseudo-colour LUT).
 * @param {PixelArray} pixels stored values
 * @param {ImageInfo} info
 * @param {GreyDisplay} display
 * @returns {Uint8Array}
 */
export function renderGrey(pixels, info, display) {
  const out = new Uint8Array(pixels.length);
  const flip = (info.photometric === 'MONOCHROME1') !== Boolean(display.invert);
  // Stored values are at most 16 bits, so a table over the stored range is cheaper than per-pixel math.
  /** @type {Map<number, number>} */
  const memo = new Map();
  for (let i = 0; i < pixels.length; i++) {
    const s = pixels[i];
    let v = memo.get(s);
    if (v === undefined) {
      v = windowByte(modalityValue(s, info), display.window);
      if (flip) v = 255 - v;
      memo.set(s, v);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Minimum and maximum modality value of a frame, for a default window when the object has none.
 * @param {PixelArray} pixels @param {ImageInfo} info
 * @returns {Window}
 */
export function fullRangeWindow(pixels, info) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] < lo) lo = pixels[i];
    if (pixels[i] > hi) hi = pixels[i];
  }
  if (lo > hi) return { center: 0, width: 1, fn: 'LINEAR' };
  const a = modalityValue(lo, info);
  const b = modalityValue(hi, info);
  const min = Math.min(a, b);
  const max = Math.max(a, b);
  return { center: (min + max + 1) / 2, width: Math.max(1, max - min + 1), fn: 'LINEAR' };
}
