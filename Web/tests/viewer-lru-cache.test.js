import test from 'node:test';
import assert from 'node:assert/strict';
import { ByteLRU } from '../lib/viewer/lru-cache.js';

test('evicts least recently used entries to stay within the byte budget', () => {
  /** @type {string[]} */
  const evicted = [];
  const c = new ByteLRU(100, { onEvict: (k) => evicted.push(k) });
  c.set('a', 1, 40);
  c.set('b', 2, 40);
  assert.equal(c.get('a'), 1); // a is now the most recent
  c.set('c', 3, 40); // 120 > 100: b goes
  assert.deepEqual(evicted, ['b']);
  assert.deepEqual(c.keys(), ['a', 'c']);
  assert.equal(c.bytes, 80);
  assert.equal(c.peek('a'), 1);
  assert.deepEqual(c.keys(), ['a', 'c'], 'peek does not touch');
});

test('replacing a key frees the old value and fixes the byte count', () => {
  /** @type {[string, number][]} */
  const evicted = [];
  const c = new ByteLRU(100, { onEvict: (k, v) => evicted.push([k, v]) });
  c.set('a', 1, 30);
  c.set('a', 2, 50);
  assert.equal(c.bytes, 50);
  assert.equal(c.size, 1);
  assert.deepEqual(evicted, [['a', 1]]);
  c.set('a', 2, 50);
  assert.equal(evicted.length, 1, 'the same value again is not freed');
});

test('entries in use are never evicted; an entry larger than the budget stays alone', () => {
  const shown = new Set(['a']);
  /** @type {string[]} */
  const evicted = [];
  const c = new ByteLRU(100, { onEvict: (k) => evicted.push(k), inUse: (k) => shown.has(k) });
  c.set('a', 0, 60);
  c.set('b', 0, 30);
  c.set('c', 0, 30); // over by 20: a is in use, so b goes
  assert.deepEqual(evicted, ['b']);
  c.set('huge', 0, 500);
  assert.deepEqual(c.keys(), ['a', 'huge']);
  assert.equal(c.bytes, 560, 'over budget rather than evicting what is on screen or just added');
  shown.clear();
  c.setBudget(100);
  assert.deepEqual(c.keys(), []);
  assert.equal(c.bytes, 0);
});

test('delete and clear', () => {
  /** @type {string[]} */
  const evicted = [];
  const c = new ByteLRU(1000, { onEvict: (k) => evicted.push(k) });
  c.set('a', 1, 10);
  c.set('b', 2, 20);
  assert.equal(c.delete('a'), 1);
  assert.equal(c.delete('zz'), undefined);
  assert.deepEqual(evicted, [], 'delete leaves freeing to the caller');
  assert.deepEqual(c.entries(), [['b', 2]]);
  c.clear();
  assert.deepEqual(evicted, ['b']);
  assert.equal(c.bytes, 0);
  assert.equal(c.has('b'), false);
});
