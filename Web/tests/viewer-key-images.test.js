import test from 'node:test';
import assert from 'node:assert/strict';
import { KeyMarks, buildPayload, parseSelections, outcomeOf, markKey, keyImagesUrl, KeyImageClient } from '../lib/viewer/key-images.js';

test('marks add, remove and toggle by SOP Instance UID and frame', () => {
  const m = new KeyMarks();
  assert.equal(m.add({ sop: '1.2.3', series: '9' }), true);
  assert.equal(m.add({ sop: '1.2.3' }), false, 'already marked');
  assert.equal(m.has('1.2.3'), true);
  assert.equal(m.has('1.2.3', 2), false);
  assert.equal(m.toggle({ sop: '1.2.4', frame: 3, multiFrame: true }), true);
  assert.equal(m.has('1.2.4', 3), true);
  assert.equal(m.size, 2);
  assert.equal(m.toggle({ sop: '1.2.4', frame: 3 }), false, 'toggled off');
  assert.equal(m.has('1.2.4', 3), false);
  assert.equal(m.remove('1.2.3'), true);
  assert.equal(m.remove('1.2.3'), false);
  assert.equal(m.size, 0);
  assert.equal(m.add({ sop: '' }), false, 'no UID, no mark');
  assert.equal(markKey('1.2', 1), '1.2/1');
});

test('marks keep their order and learn the series later', () => {
  const m = new KeyMarks();
  m.add({ sop: 'b' });
  m.add({ sop: 'a', frame: 2, multiFrame: true });
  m.add({ sop: 'b', series: 'S1' });
  assert.deepEqual(m.list().map((x) => [x.sop, x.frame, x.series]), [['b', 1, 'S1'], ['a', 2, null]]);
});

test('the payload names the frame only for multi-frame images and trims the description', () => {
  const m = new KeyMarks();
  m.add({ sop: '1.1' });
  m.add({ sop: '1.2', frame: 1, multiFrame: true });
  m.add({ sop: '1.3', frame: 5 });
  assert.deepEqual(buildPayload(m.list(), '  左肺结节 '), {
    items: [{ sopInstanceUID: '1.1' }, { sopInstanceUID: '1.2', frame: 1 }, { sopInstanceUID: '1.3', frame: 5 }],
    description: '左肺结节',
  });
  assert.deepEqual(buildPayload(m.list(), '   '), { items: [{ sopInstanceUID: '1.1' }, { sopInstanceUID: '1.2', frame: 1 }, { sopInstanceUID: '1.3', frame: 5 }] });
  assert.deepEqual(buildPayload([]), { items: [] });
});

test('a saved selection loads back as the marks (round trip)', () => {
  const m = new KeyMarks();
  m.add({ sop: 'x' });
  m.add({ sop: 'y', frame: 4, multiFrame: true });
  const doc = { items: [{ sopInstanceUID: 'ko1', seriesUID: 'ks', description: 'd', author: 'a', createdAt: 't', ...buildPayload(m.list()) }] };
  const sels = parseSelections(doc);
  const again = new KeyMarks();
  again.add({ sop: 'old' });
  again.load(sels[0]);
  assert.deepEqual(again.list(), [
    { sop: 'x', frame: 1, multiFrame: false, series: null },
    { sop: 'y', frame: 4, multiFrame: true, series: null },
  ]);
  assert.deepEqual(buildPayload(again.list()), buildPayload(m.list()));
});

test('parseSelections drops malformed entries', () => {
  assert.deepEqual(parseSelections(null), []);
  assert.deepEqual(parseSelections({ items: 'x' }), []);
  const s = parseSelections({ items: [null, { items: [{ sopInstanceUID: 'a', frame: 0 }, { frame: 2 }, { sopInstanceUID: 'b', frame: 2 }] }] });
  assert.equal(s.length, 1);
  assert.deepEqual(s[0].items, [{ sopInstanceUID: 'a' }, { sopInstanceUID: 'b', frame: 2 }]);
  assert.equal(s[0].description, '');
});

test('outcomes and URL', () => {
  assert.equal(outcomeOf(201), 'ok');
  assert.equal(outcomeOf(403), 'forbidden');
  assert.equal(outcomeOf(422), 'empty');
  assert.equal(outcomeOf(404), 'notFound');
  assert.equal(outcomeOf(401), 'unauthorized');
  assert.equal(outcomeOf(500), 'error');
  assert.equal(keyImagesUrl('1.2/3'), '/api/viewer/studies/1.2%2F3/key-images');
});

test('the client sends the CSRF token, retries a 403 once with a fresh token, and reads permissions', async () => {
  /** @type {{ url: string, init: any }[]} */
  const calls = [];
  let token = 'old';
  let posts = 0;
  /** @type {any} */
  const fetchImpl = async (/** @type {string} */ url, /** @type {any} */ init = {}) => {
    calls.push({ url, init });
    if (url === '/api/me') return new Response(JSON.stringify({ csrfToken: token, permissions: ['study.view', 'report.write'] }), { status: 200 });
    posts++;
    if (init.headers['X-CSRF-Token'] !== 'new') return new Response('{}', { status: 403 });
    return new Response(JSON.stringify({ sopInstanceUID: 'ko', seriesUID: 's', items: JSON.parse(init.body).items }), { status: 201 });
  };
  const c = new KeyImageClient({ study: '1.2', fetchImpl });
  await c.me();
  assert.equal(c.canSave, true);
  token = 'new';
  const r = await c.save({ items: [{ sopInstanceUID: 'a' }] });
  assert.equal(r.outcome, 'ok');
  assert.equal(posts, 2);
  assert.deepEqual(r.selection?.items, [{ sopInstanceUID: 'a' }]);
  const posted = calls.filter((x) => x.init.method === 'POST');
  const post = posted[posted.length - 1];
  assert.equal(post?.init.headers['X-CSRF-Token'], 'new');
  assert.equal(post?.url, '/api/viewer/studies/1.2/key-images');
});
