import test from 'node:test';
import assert from 'node:assert/strict';
import {
  parse, parseOne, serialize, handles, moveHandle, translate, outline, hit, measureAnnotation, newId, DEFAULT_COLOR, PALETTE, lengthText, areaText,
} from '../lib/viewer/annotations.js';
import { AnnotationSync, annotationsUrl } from '../lib/viewer/annotation-sync.js';
import { createTranslator } from '../lib/i18n.js';
import zh from '../lib/i18n/viewer.zh-CN.js';
import en from '../lib/i18n/viewer.en.js';

/** @typedef {import('../lib/viewer/annotations.js').Annotation} Annotation */

const t = createTranslator({ 'zh-CN': zh, en }, 'zh-CN');
const tEn = createTranslator({ 'zh-CN': zh, en }, 'en');
const id = (/** @type {{ x: number, y: number }} */ p) => p;

/** @returns {Annotation} */
const length = () => ({ id: 'a1', type: 'length', sop: '1.2.3', frame: 1, points: [{ x: 10, y: 10 }, { x: 40, y: 50 }], color: DEFAULT_COLOR });

test('serialize → parse round trip keeps every field', () => {
  /** @type {Annotation[]} */
  const list = [
    length(),
    { id: 'a2', type: 'text', sop: '1.2.3', frame: 2, points: [{ x: 1.23456, y: 2 }], color: '#5fe07c', text: '结节', series: '1.2' },
    { id: 'a3', type: 'ctr', sop: '1.2.4', frame: 1, points: [{ x: 1, y: 5 }, { x: 9, y: 5 }, { x: 0, y: 8 }, { x: 12, y: 8 }], color: '#ffffff' },
  ];
  const back = parse(serialize(list));
  assert.equal(back.dropped, 0);
  assert.deepEqual(back.annotations[0], list[0]);
  assert.equal(back.annotations[1].text, '结节');
  assert.equal(back.annotations[1].series, '1.2');
  assert.equal(back.annotations[1].points[0].x, 1.235, 'coordinates kept to 1/1000 pixel');
  assert.equal(back.annotations[2].points.length, 4);
  assert.ok(Array.isArray(JSON.parse(serialize(list))), 'the stored document is a JSON array');
});

test('parse never throws and drops what is not a valid annotation', () => {
  for (const bad of [undefined, null, 42, '', 'not json', '{"a":1}', '"[]"', '{}']) {
    const r = parse(bad);
    assert.deepEqual(r.annotations, []);
  }
  assert.equal(parse('not json').dropped, 1);
  const good = JSON.parse(serialize([length()]))[0];
  const doc = JSON.stringify([
    good,
    { ...good }, // duplicate id
    { ...good, id: 'b', type: 'laser' },
    { ...good, id: 'c', points: [[1, 2]] }, // a length needs two points
    { ...good, id: 'd', points: [[1, 'x'], [2, 3]] },
    { ...good, id: 'e', points: [[1, 1e9], [2, 3]] },
    { ...good, id: 'f', frame: 0 },
    { ...good, id: 'g', sop: '' },
    { ...good, id: 'h', type: 'text', points: [[1, 1]] }, // text without words
    { ...good, id: 'i', color: 'javascript:alert(1)' }, // bad colour → default
    null,
    'x',
    [1, 2],
  ]);
  const r = parse(doc);
  assert.deepEqual(r.annotations.map((a) => a.id), ['a1', 'i']);
  assert.equal(r.annotations[1].color, DEFAULT_COLOR);
  assert.equal(r.dropped, 11);
  assert.equal(parseOne({ ...good, id: 'x'.repeat(200) }), null);
  assert.equal(parseOne({ ...good, text: 'y'.repeat(900) })?.text?.length, 500);
});

test('handles, moving a handle, moving the whole', () => {
  /** @type {Annotation} */
  const rect = { ...length(), type: 'rect', points: [{ x: 0, y: 0 }, { x: 10, y: 20 }] };
  assert.deepEqual(handles(rect), [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 20 }, { x: 0, y: 20 }]);
  // Dragging the top-right corner keeps the bottom-left one.
  assert.deepEqual(moveHandle(rect, 1, { x: 30, y: -5 }).points, [{ x: 0, y: 20 }, { x: 30, y: -5 }]);
  assert.deepEqual(moveHandle(length(), 1, { x: 0, y: 0 }).points, [{ x: 10, y: 10 }, { x: 0, y: 0 }]);
  assert.deepEqual(translate(length(), 5, -5).points, [{ x: 15, y: 5 }, { x: 45, y: 45 }]);
  /** @type {Annotation} */
  const ctr = { ...length(), type: 'ctr', points: [{ x: 1, y: 5 }, { x: 9, y: 5 }, { x: 0, y: 8 }, { x: 12, y: 8 }] };
  assert.deepEqual(moveHandle(ctr, 3, { x: 14, y: 9 }).points.slice(2), [{ x: 0, y: 9 }, { x: 14, y: 9 }], 'the line stays horizontal');
  assert.equal(handles({ ...length(), type: 'freehand', points: [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }] }).length, 0);
  assert.ok(newId() !== newId());
});

test('outline and hit testing in canvas space', () => {
  const double = (/** @type {{ x: number, y: number }} */ p) => ({ x: p.x * 2, y: p.y * 2 });
  assert.deepEqual(outline(length(), double), [[{ x: 20, y: 20 }, { x: 80, y: 100 }]]);
  /** @type {Annotation} */
  const ell = { ...length(), type: 'ellipse', points: [{ x: 0, y: 0 }, { x: 20, y: 10 }] };
  const pts = outline(ell, id)[0];
  assert.equal(pts.length, 73);
  assert.ok(pts.every((p) => Math.abs(((p.x - 10) / 10) ** 2 + ((p.y - 5) / 5) ** 2 - 1) < 1e-9));
  assert.deepEqual(hit(length(), double, { x: 81, y: 99 }, 4), { handle: 1 });
  assert.deepEqual(hit(length(), double, { x: 50, y: 60 }, 4), { body: true });
  assert.equal(hit(length(), double, { x: 50, y: 90 }, 4), null);
  assert.deepEqual(hit(ell, id, { x: 10, y: 0.5 }, 2), { body: true }, 'on the ellipse outline');
  assert.equal(hit(ell, id, { x: 10, y: 5 }, 2), null, 'the inside is not a hit (so paging over it works)');
});

test('labels: calibrated lengths say which spacing was used', () => {
  const pixel = { row: 0.5, column: 0.5, source: /** @type {const} */ ('pixel') };
  const imager = { ...pixel, source: /** @type {const} */ ('imager') };
  const none = { row: 1, column: 1, source: /** @type {const} */ ('none') };
  assert.deepEqual(measureAnnotation(length(), { cal: pixel, unit: 'HU', frame: null }, t).lines, ['25.00 mm']);
  assert.deepEqual(measureAnnotation(length(), { cal: imager, unit: '', frame: null }, t).lines, ['25.00 mm（探测器）']);
  assert.deepEqual(measureAnnotation(length(), { cal: imager, unit: '', frame: null }, tEn).lines, ['25.00 mm (detector)']);
  assert.deepEqual(measureAnnotation(length(), { cal: none, unit: '', frame: null }, t).lines, ['50.0 px']);
  assert.equal(lengthText(pixel, t, 3), '3.00 mm');
  assert.equal(areaText(pixel, t, 250), '2.50 cm²');
  assert.equal(areaText(pixel, t, 50), '50.0 mm²');
  assert.equal(areaText(none, t, 50), '50 px²');
});

test('labels: ROI statistics in HU from the stored pixels, point values, angles, CTR', () => {
  const columns = 10;
  const rows = 10;
  const pixels = new Int16Array(columns * rows).fill(1064); // HU 40 with intercept −1024
  const info = { rows, columns, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1, photometric: 'MONOCHROME2', samplesPerPixel: 1, planarConfiguration: 0, frames: 1, rescaleSlope: 1, rescaleIntercept: -1024, windows: [] };
  const cal = { row: 1, column: 1, source: /** @type {const} */ ('pixel') };
  const m = { cal, unit: 'HU', frame: { info, pixels } };
  /** @type {Annotation} */
  const rect = { ...length(), type: 'rect', points: [{ x: 0, y: 0 }, { x: 4, y: 5 }] };
  const r = measureAnnotation(rect, m, t);
  assert.deepEqual(r.lines, ['面积 20.0 mm²', '均值 40.0 HU  标准差 0.0', '最小 40  最大 40']);
  assert.equal(r.values.mean, 40);
  assert.deepEqual(measureAnnotation(rect, { ...m, frame: null }, t).lines, ['面积 20.0 mm²', '统计中…']);
  /** @type {Annotation} */
  const probe = { ...length(), type: 'probe', points: [{ x: 3.5, y: 2.5 }] };
  assert.deepEqual(measureAnnotation(probe, m, t).lines, ['40 HU', '位置 (3, 2)']);
  assert.deepEqual(measureAnnotation(probe, { ...m, unit: '' }, tEn).lines, ['Value 40', 'at (3, 2)']);
  /** @type {Annotation} */
  const ang = { ...length(), type: 'angle', points: [{ x: 10, y: 0 }, { x: 0, y: 0 }, { x: 0, y: 10 }] };
  assert.deepEqual(measureAnnotation(ang, m, t).lines, ['90.0°']);
  /** @type {Annotation} */
  const cobb = { ...length(), type: 'cobb', points: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 0, y: 10 }, { x: 10, y: 20 }] };
  assert.deepEqual(measureAnnotation(cobb, m, t).lines, ['Cobb 角 45.0°']);
  /** @type {Annotation} */
  const ctr = { ...length(), type: 'ctr', points: [{ x: 30, y: 5 }, { x: 80, y: 5 }, { x: 0, y: 8 }, { x: 100, y: 8 }] };
  assert.deepEqual(measureAnnotation(ctr, m, t).lines, ['心胸比 0.50', '心 50.00 mm / 胸 100.00 mm']);
  assert.deepEqual(measureAnnotation({ ...cobb, points: cobb.points.slice(0, 3) }, m, t).lines, [], 'unfinished shapes have no label');
  assert.deepEqual(measureAnnotation({ ...length(), type: 'text', points: [{ x: 1, y: 1 }], text: '注意' }, m, t).lines, ['注意']);
  assert.deepEqual(PALETTE[0], DEFAULT_COLOR);
});

/**
 * A fake server for the annotation API.
 * @param {{ conflictOnce?: boolean }} [o]
 */
function fakeServer(o = {}) {
  const state = { doc: '[]', version: 0, puts: /** @type {any[]} */ ([]), csrfAsked: 0, conflict: Boolean(o.conflictOnce) };
  /** @type {typeof fetch} */
  const fetchImpl = async (input, init) => {
    const url = String(input);
    const json = (/** @type {number} */ status, /** @type {unknown} */ body) => /** @type {Response} */ (/** @type {unknown} */ ({ ok: status < 300, status, json: async () => body }));
    if (url === '/api/me') {
      state.csrfAsked++;
      return json(200, { csrfToken: 'tok' });
    }
    assert.equal(url, annotationsUrl('1.2.3'));
    if (!init?.method || init.method === 'GET') return json(200, { studyUID: '1.2.3', annotations: state.doc, version: state.version });
    const headers = /** @type {Record<string, string>} */ (init.headers);
    assert.equal(headers['X-CSRF-Token'], 'tok');
    const body = JSON.parse(String(init.body));
    state.puts.push(body);
    if (state.conflict) {
      state.conflict = false;
      state.version = 7;
      return json(409, { error: { code: 'version_conflict' } });
    }
    if (body.version !== state.version) return json(409, { error: { code: 'version_conflict' } });
    state.doc = body.annotations;
    state.version++;
    return json(200, { studyUID: '1.2.3', annotations: state.doc, version: state.version });
  };
  return { state, fetchImpl };
}

test('sync: loads, saves debounced with the CSRF token and the loaded version, reports its status', async () => {
  const server = fakeServer();
  /** @type {string[]} */
  const statuses = [];
  const sync = new AnnotationSync({ study: '1.2.3', fetchImpl: server.fetchImpl, delay: 10, onStatus: (s) => statuses.push(s) });
  assert.deepEqual(await sync.load(), []);
  sync.changed([length()]);
  sync.changed([length(), { ...length(), id: 'a2' }]); // coalesced into one PUT
  await new Promise((r) => setTimeout(r, 40));
  await sync.inFlight;
  assert.equal(server.state.puts.length, 1);
  assert.equal(server.state.puts[0].version, 0);
  assert.equal(JSON.parse(server.state.puts[0].annotations).length, 2);
  assert.equal(sync.version, 1);
  assert.deepEqual(statuses.slice(-2), ['saving', 'saved']);
  // No change, no request.
  sync.changed([length(), { ...length(), id: 'a2' }]);
  await sync.flush();
  assert.equal(server.state.puts.length, 1);
  sync.changed([length()]);
  await sync.flush({ keepalive: true });
  assert.equal(server.state.puts[1].version, 1);
  assert.equal(server.state.csrfAsked, 1, 'the token is fetched once');
  const again = new AnnotationSync({ study: '1.2.3', fetchImpl: server.fetchImpl });
  assert.deepEqual((await again.load()).map((a) => a.id), ['a1']);
  assert.equal(again.version, 2);
  sync.dispose();
});

test('sync: a conflict stops saving until the server copy is reloaded', async () => {
  const server = fakeServer({ conflictOnce: true });
  /** @type {string[]} */
  const statuses = [];
  const sync = new AnnotationSync({ study: '1.2.3', fetchImpl: server.fetchImpl, delay: 5, onStatus: (s) => statuses.push(s) });
  await sync.load();
  sync.changed([length()]);
  await sync.flush();
  assert.equal(sync.status, 'conflict');
  assert.ok(statuses.includes('conflict'));
  sync.changed([length(), { ...length(), id: 'zz' }]);
  await sync.flush();
  assert.equal(server.state.puts.length, 1, 'no more saves after a conflict');
  await sync.load();
  assert.equal(sync.version, 7);
  assert.equal(sync.status, 'idle');
  sync.changed([length()]);
  await sync.flush();
  assert.equal(server.state.puts[server.state.puts.length - 1].version, 7);
  assert.equal(sync.status, 'saved');
});
