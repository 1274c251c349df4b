import test from 'node:test';
import assert from 'node:assert/strict';
import { boundaryOf, parseMultipart, mediaType, indexOfBytes } from '../lib/viewer/multipart.js';

const enc = (/** @type {string} */ s) => new TextEncoder().encode(s);
/** @param {(string | Uint8Array)[]} pieces */
function cat(...pieces) {
  const parts = pieces.map((p) => (typeof p === 'string' ? enc(p) : p));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('boundaryOf reads plain and quoted boundaries', () => {
  assert.equal(boundaryOf('multipart/related; type="application/octet-stream"; boundary=yunying-abc'), 'yunying-abc');
  assert.equal(boundaryOf('multipart/related; boundary="a b;c"; type=x'), 'a b;c');
  assert.equal(boundaryOf('Multipart/Related; BOUNDARY=XyZ'), 'XyZ');
  assert.equal(boundaryOf('application/json'), null);
  assert.equal(boundaryOf(null), null);
});

test('mediaType splits type and a parameter', () => {
  assert.deepEqual(mediaType('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', 'transfer-syntax'), { type: 'application/octet-stream', value: '1.2.840.10008.1.2.1' });
  assert.deepEqual(mediaType(undefined), { type: '', value: undefined });
});

test('one frame as the server sends it: binary body with CR LF and dashes inside survives intact', () => {
  const pixels = Uint8Array.from([0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x0d, 0x0a, 0x41]);
  const body = cat('--b1\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\n', pixels, '\r\n--b1--\r\n');
  const parts = parseMultipart(body, 'b1');
  assert.equal(parts.length, 1);
  assert.deepEqual([...parts[0].body], [...pixels]);
  assert.equal(parts[0].headers['content-type'], 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
  assert.equal(parts[0].body.buffer, body.buffer, 'a view, not a copy');
  assert.equal(parts[0].body.byteOffset, body.indexOf(0x0d, 20) === -1 ? 0 : parts[0].body.byteOffset);
});

test('several parts, preamble, epilogue, transport padding, headerless part', () => {
  const body = cat('preamble text\r\n--xx  \r\nContent-Type: a\r\nX-Other:  v \r\n\r\nONE\r\n--xx\r\n\r\nTWO\r\n--xx--\r\nepilogue');
  const parts = parseMultipart(body.buffer, 'xx');
  assert.deepEqual(parts.map((p) => new TextDecoder().decode(p.body)), ['ONE', 'TWO']);
  assert.deepEqual(parts[0].headers, { 'content-type': 'a', 'x-other': 'v' });
  assert.deepEqual(parts[1].headers, {});
});

test('empty body part and a missing closing delimiter', () => {
  assert.deepEqual(parseMultipart(enc('--q\r\nA: 1\r\n\r\n\r\n--q--'), 'q').map((p) => p.body.length), [0]);
  const open = parseMultipart(enc('--q\r\nA: 1\r\n\r\nrest\r\n'), 'q');
  assert.equal(new TextDecoder().decode(open[0].body), 'rest');
});

test('malformed bodies are refused', () => {
  assert.throws(() => parseMultipart(enc('no boundary here'), 'q'), /boundary not found/);
  assert.throws(() => parseMultipart(enc('--q\r\nA: 1 and no blank line'), 'q'), /headers not terminated/);
  assert.throws(() => parseMultipart(enc('--qX'), 'q'), /line break/);
  assert.throws(() => parseMultipart(enc('--q'), ''), /no boundary/);
});

test('indexOfBytes', () => {
  assert.equal(indexOfBytes(enc('abcabd'), enc('abd'), 0), 3);
  assert.equal(indexOfBytes(enc('abc'), enc('abcd'), 0), -1);
  assert.equal(indexOfBytes(enc('abc'), enc('c'), 3), -1);
});
