import test from 'node:test';
import assert from 'node:assert/strict';
import { overlayPlanes, overlayFrameIndex, unpackBits, planeMask, maskRGBA, base64Bytes, OverlayStore, OVERLAY_GROUPS } from '../lib/viewer/overlay-planes.js';

// A 3-row × 5-column overlay with two frames, packed by hand per PS3.5 8.1.2 (pixel i = bit i mod 8 of byte i/8,
// least significant bit first; frame 2 starts at bit 15, inside byte 1):
//   frame 1          frame 2
//   1 0 1 1 0        0 1 0 0 0
//   0 0 0 0 1        0 0 0 0 0
//   1 1 0 0 0        0 0 0 0 1
// bits 0–7   1 0 1 1 0 0 0 0           → 0x0D
// bits 8–15  0 1 1 1 0 0 0 | 0 (f2 #0) → 0x0E
// bits 16–23 f2 #1–#8: 1 0 0 0 0 0 0 0 → 0x01
// bits 24–31 f2 #9–#14: 0 0 0 0 0 1, pad → 0x20
// (as little-endian OW words 0x0E0D 0x2001: the same bits.)
const FRAME1 = [1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0];
const FRAME2 = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const PACKED = Uint8Array.from([0x0d, 0x0e, 0x01, 0x20]);
const b64 = (/** @type {Uint8Array} */ bytes) => btoa(String.fromCharCode(...bytes));

/** @returns {import('../lib/viewer/pixels.js').DicomJson} */
function meta() {
  return /** @type {any} */ ({
    // 6000: a single-frame graphics plane sent as a BulkDataURI
    '60000010': { vr: 'US', Value: [2] },
    '60000011': { vr: 'US', Value: [4] },
    '60000040': { vr: 'CS', Value: ['G'] },
    '60000050': { vr: 'SS', Value: [1, 1] },
    '60000100': { vr: 'US', Value: [1] },
    '60000102': { vr: 'US', Value: [0] },
    '60003000': { vr: 'OW', BulkDataURI: '/dicomweb/studies/1/series/2/instances/3/bulkdata/60003000' },
    // 6002: a two-frame ROI plane on image frames 4–5, origin row 10 column −2, inline
    '60020010': { vr: 'US', Value: [3] },
    '60020011': { vr: 'US', Value: [5] },
    '60020015': { vr: 'IS', Value: [2] },
    '60020022': { vr: 'LO', Value: ['lesion'] },
    '60020040': { vr: 'CS', Value: ['R'] },
    '60020050': { vr: 'SS', Value: [10, -2] },
    '60020051': { vr: 'US', Value: [4] },
    '60021500': { vr: 'LO', Value: ['ROI'] },
    '60023000': { vr: 'OB', InlineBinary: b64(PACKED) },
    // 6004: described but without Overlay Data (embedded in pixel data, retired): skipped
    '60040010': { vr: 'US', Value: [3] },
    '60040011': { vr: 'US', Value: [5] },
    // 6020 is not an overlay group
    '60200010': { vr: 'US', Value: [3] },
    '60200011': { vr: 'US', Value: [5] },
    '60203000': { vr: 'OW', InlineBinary: b64(PACKED) },
  });
}

test('the overlay groups are 6000–601E, even', () => {
  assert.equal(OVERLAY_GROUPS.length, 16);
  assert.equal(OVERLAY_GROUPS[0], 0x6000);
  assert.equal(OVERLAY_GROUPS[15], 0x601e);
  assert.ok(OVERLAY_GROUPS.every((g) => g % 2 === 0));
});

test('unpackBits reads a little-endian bit stream, frames continuing mid-byte', () => {
  assert.deepEqual([...unpackBits(PACKED, 0, 15)], FRAME1);
  assert.deepEqual([...unpackBits(PACKED, 15, 15)], FRAME2);
  // past the end of the data: zeros, no throw
  assert.deepEqual([...unpackBits(Uint8Array.from([0xff]), 4, 8)], [1, 1, 1, 1, 0, 0, 0, 0]);
  // a single byte: pixel 0 is the least significant bit
  assert.deepEqual([...unpackBits(Uint8Array.from([0b10000001]), 0, 8)], [1, 0, 0, 0, 0, 0, 0, 1]);
});

test('overlayPlanes reads every group with Overlay Data, origin 1-based → 0-based', () => {
  const planes = overlayPlanes(meta());
  assert.deepEqual(planes.map((p) => p.group), [0x6000, 0x6002]);
  const [a, b] = planes;
  assert.equal(a.rows, 2);
  assert.equal(a.columns, 4);
  assert.equal(a.top, 0);
  assert.equal(a.left, 0);
  assert.equal(a.type, 'G');
  assert.equal(a.frames, null);
  assert.deepEqual(a.data, { uri: '/dicomweb/studies/1/series/2/instances/3/bulkdata/60003000' });
  assert.equal(b.rows, 3);
  assert.equal(b.columns, 5);
  assert.equal(b.top, 9);
  assert.equal(b.left, -3);
  assert.equal(b.type, 'R');
  assert.equal(b.frames, 2);
  assert.equal(b.frameOrigin, 4);
  assert.equal(b.label, 'ROI');
  assert.equal(b.description, 'lesion');
  assert.ok(b.data && 'inline' in b.data);
  assert.deepEqual([...(/** @type {{ inline: Uint8Array }} */ (b.data)).inline], [...PACKED]);
  assert.deepEqual(overlayPlanes({}), []);
});

test('multi-frame planes cover Image Frame Origin … origin + n − 1; single planes every frame', () => {
  const [single, multi] = overlayPlanes(meta());
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((f) => overlayFrameIndex(multi, f)), [-1, -1, -1, 0, 1, -1]);
  assert.deepEqual([1, 2, 30].map((f) => overlayFrameIndex(single, f)), [0, 0, 0]);
  assert.equal(planeMask(multi, PACKED, 3), null);
  assert.deepEqual([...(/** @type {any} */ (planeMask(multi, PACKED, 4))).mask], FRAME1);
  assert.deepEqual([...(/** @type {any} */ (planeMask(multi, PACKED, 5))).mask], FRAME2);
  assert.equal(planeMask(multi, PACKED, 6), null);
});

test('a plane with 16 bits allocated and a bit position reads that bit of each little-endian word', () => {
  const plane = { ...overlayPlanes(meta())[0], rows: 2, columns: 2, bitsAllocated: 16, bitPosition: 3 };
  // words 0x0008, 0x0000, 0xFFF7, 0x0008 → bit 3 set, clear, clear, set
  const bytes = Uint8Array.from([0x08, 0x00, 0x00, 0x00, 0xf7, 0xff, 0x08, 0x00]);
  assert.deepEqual([...(/** @type {any} */ (planeMask(plane, bytes, 1))).mask], [1, 0, 0, 1]);
});

test('maskRGBA paints set pixels and leaves the rest transparent', () => {
  const rgba = maskRGBA(Uint8Array.from([1, 0, 1]), [255, 255, 255, 255]);
  assert.deepEqual([...rgba], [255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
});

test('base64Bytes decodes InlineBinary', () => {
  assert.deepEqual([...base64Bytes('DQ4BIA==')], [0x0d, 0x0e, 0x01, 0x20]);
});

test('OverlayStore fetches bulk data once, reports when it arrives, and masks per frame', async () => {
  /** @type {string[]} */
  const asked = [];
  let loaded = 0;
  const store = new OverlayStore({
    fetchBytes: async (uri) => {
      asked.push(uri);
      return Uint8Array.from([0b10100101]); // 2×4: 1 0 1 0 / 0 1 0 1
    },
    onLoad: () => loaded++,
  });
  const m = meta();
  // Frame 4: the bulk plane is not here yet, the inline one is.
  let masks = store.masks('sop', m, 4);
  assert.deepEqual(masks.map((x) => x.plane.group), [0x6002]);
  assert.deepEqual([...masks[0].mask], FRAME1);
  store.masks('sop', m, 4);
  assert.equal(asked.length, 1);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(loaded, 1);
  masks = store.masks('sop', m, 4);
  assert.deepEqual(masks.map((x) => x.plane.group), [0x6000, 0x6002]);
  assert.deepEqual([...masks[0].mask], [1, 0, 1, 0, 0, 1, 0, 1]);
  // Frame 1: only the single-frame plane applies.
  assert.deepEqual(store.masks('sop', m, 1).map((x) => x.plane.group), [0x6000]);
  assert.equal(asked.length, 1);
});
