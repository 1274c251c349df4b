import test from 'node:test';
import assert from 'node:assert/strict';
import { imageInfo, decodePixels, windowValue, windowByte, renderGrey, modalityValue, fullRangeWindow, frameBytes, TAGS } from '../lib/viewer/pixels.js';

/** @typedef {import('../lib/viewer/pixels.js').ImageInfo} ImageInfo */
/** @typedef {import('../lib/viewer/pixels.js').Window} Window */

/** @param {Record<string, unknown>} overrides @returns {ImageInfo} */
function info(overrides = {}) {
  return {
    rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 0, photometric: 'MONOCHROME2',
    samplesPerPixel: 1, planarConfiguration: 0, frames: 1, rescaleSlope: 1, rescaleIntercept: 0, windows: [], ...overrides,
  };
}

/**

 * Little-endian 16-bit words as an ArrayBuffer.

 * @param {number[]} words

 */
function le16(words) {
  const b = new ArrayBuffer(words.length * 2);
  const v = new DataView(b);
  words.forEach((w, i) => v.setUint16(i * 2, w & 0xffff, true));
  return b;
}

test('imageInfo reads DICOM JSON, numbers or decimal strings, multi-valued windows', () => {
  const meta = {
    [TAGS.Rows]: { vr: 'US', Value: [512] },
    [TAGS.Columns]: { vr: 'US', Value: [256] },
    [TAGS.BitsAllocated]: { vr: 'US', Value: [16] },
    [TAGS.BitsStored]: { vr: 'US', Value: [12] },
    [TAGS.HighBit]: { vr: 'US', Value: [11] },
    [TAGS.PixelRepresentation]: { vr: 'US', Value: [1] },
    [TAGS.PhotometricInterpretation]: { vr: 'CS', Value: ['MONOCHROME1'] },
    [TAGS.RescaleSlope]: { vr: 'DS', Value: ['2.5'] },
    [TAGS.RescaleIntercept]: { vr: 'DS', Value: [-1024] },
    [TAGS.WindowCenter]: { vr: 'DS', Value: [40, ' -600 '] },
    [TAGS.WindowWidth]: { vr: 'DS', Value: [400, 1500] },
    [TAGS.WindowExplanation]: { vr: 'LO', Value: ['SOFT', 'LUNG'] },
    [TAGS.VOILUTFunction]: { vr: 'CS', Value: ['LINEAR_EXACT'] },
  };
  const i = imageInfo(meta);
  assert.equal(i.rows, 512);
  assert.equal(i.columns, 256);
  assert.equal(i.bitsStored, 12);
  assert.equal(i.highBit, 11);
  assert.equal(i.pixelRepresentation, 1);
  assert.equal(i.photometric, 'MONOCHROME1');
  assert.equal(i.rescaleSlope, 2.5);
  assert.equal(i.rescaleIntercept, -1024);
  assert.deepEqual(i.windows, [
    { center: 40, width: 400, fn: 'LINEAR_EXACT', explanation: 'SOFT' },
    { center: -600, width: 1500, fn: 'LINEAR_EXACT', explanation: 'LUNG' },
  ]);
});

test('imageInfo defaults: no rescale, no window, LINEAR, high bit from bits stored; invalid widths dropped', () => {
  const i = imageInfo({
    [TAGS.Rows]: { vr: 'US', Value: [4] }, [TAGS.Columns]: { vr: 'US', Value: [4] },
    [TAGS.BitsAllocated]: { vr: 'US', Value: [8] },
    [TAGS.WindowCenter]: { vr: 'DS', Value: [10, 20] }, [TAGS.WindowWidth]: { vr: 'DS', Value: [0.5, 30] },
  });
  assert.equal(i.rescaleSlope, 1);
  assert.equal(i.rescaleIntercept, 0);
  assert.equal(i.bitsStored, 8);
  assert.equal(i.highBit, 7);
  assert.equal(i.photometric, 'MONOCHROME2');
  assert.deepEqual(i.windows, [{ center: 20, width: 30, fn: 'LINEAR' }]); // LINEAR needs width ≥ 1
  assert.deepEqual(imageInfo({}).windows, []);
});

test('decodePixels masks to Bits Stored and sign-extends (junk above High Bit ignored)', () => {
  // 12-bit signed in 16: 0xF7FF has junk in the top nibble; 0x0800 is −2048, 0x07FF is 2047, 0xAFFF is −1.
  const px = decodePixels(info({ bitsStored: 12, highBit: 11, pixelRepresentation: 1 }), le16([0xf7ff, 0x0800, 0x07ff, 0xafff]));
  assert.ok(px instanceof Int16Array);
  assert.deepEqual([...px], [2047, -2048, 2047, -1]);
  // Unsigned 12-bit: the same words read as 0..4095.
  const u = decodePixels(info({ bitsStored: 12, highBit: 11 }), le16([0xf7ff, 0x0800, 0x07ff, 0xafff]));
  assert.ok(u instanceof Uint16Array);
  assert.deepEqual([...u], [0x7ff, 0x800, 0x7ff, 0xfff]);
  // High bit not at the top: bits 4..15 hold the value.
  const hi = decodePixels(info({ bitsStored: 12, highBit: 15, pixelRepresentation: 1 }), le16([0xfff0, 0x8005, 0x0010, 0x7ff0]));
  assert.deepEqual([...hi], [-1, -2048, 1, 2047]);
  // Full 16-bit signed and unsigned.
  assert.deepEqual([...decodePixels(info({ pixelRepresentation: 1 }), le16([0x8000, 0xffff, 0x7fff, 0]))], [-32768, -1, 32767, 0]);
  assert.deepEqual([...decodePixels(info(), le16([0x8000, 0xffff, 0x7fff, 0]))], [32768, 65535, 32767, 0]);
});

test('decodePixels: 8-bit, frame offsets (also unaligned) and short data', () => {
  const eight = info({ bitsAllocated: 8, bitsStored: 8, highBit: 7 });
  const buf = new Uint8Array([9, 1, 2, 3, 4, 5, 6, 7, 8]).buffer;
  const px = decodePixels(eight, buf, 1);
  assert.ok(px instanceof Uint8Array);
  assert.deepEqual([...px], [1, 2, 3, 4]);
  const signed8 = decodePixels(info({ bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 1 }), new Uint8Array([0x80, 0xff, 1, 0x7f]).buffer);
  assert.ok(signed8 instanceof Int16Array);
  assert.deepEqual([...signed8], [-128, -1, 1, 127]);
  // Second frame of a 16-bit multi-frame, at an odd byte offset (DataView, not a Uint16Array view).
  const two = new Uint8Array(1 + 16);
  new DataView(two.buffer).setUint16(1 + 8, 0x1234, true);
  assert.equal(decodePixels(info(), two.buffer, 1 + frameBytes(info()))[0], 0x1234);
  assert.throws(() => decodePixels(info(), new ArrayBuffer(6)));
  assert.throws(() => decodePixels(info({ bitsAllocated: 32 }), new ArrayBuffer(16)));
});

test('decodePixels: colour interleaved, planar and YBR_FULL become interleaved RGB', () => {
  const rgb = info({ rows: 1, columns: 2, bitsAllocated: 8, bitsStored: 8, highBit: 7, samplesPerPixel: 3, photometric: 'RGB' });
  assert.deepEqual([...decodePixels(rgb, new Uint8Array([1, 2, 3, 4, 5, 6]).buffer)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...decodePixels({ ...rgb, planarConfiguration: 1 }, new Uint8Array([1, 4, 2, 5, 3, 6]).buffer)], [1, 2, 3, 4, 5, 6]);
  const ybr = decodePixels({ ...rgb, photometric: 'YBR_FULL' }, new Uint8Array([128, 128, 128, 76, 85, 255]).buffer);
  assert.deepEqual([...ybr.subarray(0, 3)], [128, 128, 128]); // neutral grey
  assert.deepEqual([...ybr.subarray(3)], [254, 0, 0]); // Y 76, Cb 85, Cr 255 is (nearly) pure red
});

test('windowValue follows PS3.3 C.11.2.1.2 (LINEAR, LINEAR_EXACT, SIGMOID)', () => {
  /** @type {Window} */
  const lin = { center: 2048, width: 4096, fn: 'LINEAR' };
  assert.equal(windowValue(0, lin), 0); // x ≤ c − 0.5 − (w−1)/2 = 0
  assert.equal(windowValue(4095, lin), 255); // x > c − 0.5 + (w−1)/2 = 4095 is false: on the ramp, at its top
  assert.equal(windowValue(4096, lin), 255);
  assert.equal(windowValue(2047.5, lin), 127.5);
  // W = 1 is a threshold at C: below C − 0.5 black, above it white.
  assert.equal(windowValue(39, { center: 40, width: 1, fn: 'LINEAR' }), 0);
  assert.equal(windowValue(40, { center: 40, width: 1, fn: 'LINEAR' }), 255);
  /** @type {Window} */
  const exact = { center: 0, width: 100, fn: 'LINEAR_EXACT' };
  assert.equal(windowValue(-50, exact), 0);
  assert.equal(windowValue(0, exact), 127.5);
  assert.equal(windowValue(25, exact), 191.25);
  assert.equal(windowValue(50, exact), 255);
  assert.equal(windowValue(51, exact), 255);
  /** @type {Window} */
  const sig = { center: 100, width: 50, fn: 'SIGMOID' };
  assert.equal(windowValue(100, sig), 127.5);
  assert.ok(Math.abs(windowValue(150, sig) - 255 / (1 + Math.exp(-4))) < 1e-12);
});

test('windowByte is round-half-up of windowValue, exact at the .5 ties', () => {
  /** @type {Window[]} */
  const windows = [
    { center: 40, width: 400, fn: 'LINEAR' }, { center: -600, width: 1500, fn: 'LINEAR' }, { center: 40.5, width: 256, fn: 'LINEAR' },
    { center: 40, width: 80, fn: 'LINEAR_EXACT' }, { center: 0, width: 2, fn: 'LINEAR_EXACT' }, { center: 7, width: 510, fn: 'LINEAR_EXACT' },
    { center: 300, width: 1, fn: 'LINEAR' }, { center: 12.25, width: 33.5, fn: 'LINEAR' },
  ];
  let ties = 0;
  for (const win of windows) {
    for (let x = -2000; x <= 2000; x += 0.5) {
      const y = windowValue(x, win);
      const k = windowByte(x, win);
      const frac = y - Math.floor(y);
      if (Math.abs(frac - 0.5) < 1e-9) {
        ties++;
        assert.equal(k, Math.floor(y) + 1, `tie rounds up: x=${x} ${JSON.stringify(win)}`);
      } else {
        assert.equal(k, Math.round(y), `x=${x} ${JSON.stringify(win)}`);
      }
    }
  }
  assert.ok(ties > 100, 'the windows above include exact ties');
  assert.equal(windowByte(0, { center: 0, width: 2, fn: 'LINEAR_EXACT' }), 128); // 127.5 → 128
  assert.equal(windowByte(150, { center: 100, width: 50, fn: 'SIGMOID' }), Math.round(255 / (1 + Math.exp(-4))));
});

test('renderGrey: rescale, window, MONOCHROME1 and invert', () => {
  const i = info({ rows: 1, columns: 4, pixelRepresentation: 1, rescaleSlope: 2, rescaleIntercept: -1000 });
  const px = new Int16Array([0, 500, 520, 1000]); // → −1000, 0, 40, 1000
  assert.equal(modalityValue(520, i), 40);
  /** @type {Window} */
  const win = { center: 40, width: 400, fn: 'LINEAR' };
  const expected = [-1000, 0, 40, 1000].map((x) => windowByte(x, win));
  assert.deepEqual([...renderGrey(px, i, { window: win })], expected);
  assert.deepEqual([...renderGrey(px, i, { window: win, invert: true })], expected.map((v) => 255 - v));
  const m1 = { ...i, photometric: 'MONOCHROME1' };
  assert.deepEqual([...renderGrey(px, m1, { window: win })], expected.map((v) => 255 - v));
  assert.deepEqual([...renderGrey(px, m1, { window: win, invert: true })], expected); // inverting MONOCHROME1 gives it back
});

test('fullRangeWindow spans the modality values black to white', () => {
  const i = info({ rows: 1, columns: 3, pixelRepresentation: 1, rescaleIntercept: -1024 });
  const px = new Int16Array([24, 1024, 4095]);
  const win = fullRangeWindow(px, i);
  assert.equal(windowByte(-1000, win), 0);
  assert.equal(windowByte(3071, win), 255);
  // A negative slope swaps the ends but still covers them.
  const neg = fullRangeWindow(px, { ...i, rescaleSlope: -1 });
  assert.equal(windowByte(modalityValue(4095, { ...i, rescaleSlope: -1 }), neg), 0);
});
