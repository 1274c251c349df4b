// Code 128 (lib/code128.js): the symbol table, code set choice, the check symbol, and bars as SVG. The encodings
// below were decoded back with zbarimg (zbar-tools) when they were written down; the browser test decodes a label.
import test from 'node:test';
import assert from 'node:assert/strict';
import { PATTERNS, encode128, checkSymbol, code128Widths, code128Bars, code128Svg, START_B, START_C, STOP, CODE_B, CODE_C, QUIET_ZONE } from '../lib/code128.js';

test('the symbol table: 107 distinct patterns of 11 modules (stop 13), three bars each', () => {
  assert.equal(PATTERNS.length, 107);
  assert.equal(new Set(PATTERNS).size, 107);
  PATTERNS.forEach((p, v) => {
    const widths = [...p].map(Number);
    assert.equal(widths.reduce((a, b) => a + b, 0), v === STOP ? 13 : 11, `symbol ${v}`);
    assert.ok(widths.every((w) => w >= 1 && w <= 4), `symbol ${v}`);
    // Bars are the even positions; the total width of bars is even (the standard's parity), 13 − spaces for stop.
    const bars = widths.filter((_, k) => k % 2 === 0).reduce((a, b) => a + b, 0);
    assert.equal(bars % 2, 0, `bar parity of symbol ${v}`);
  });
  assert.equal(PATTERNS[START_B], '211214');
  assert.equal(PATTERNS[START_C], '211232');
  assert.equal(PATTERNS[STOP], '2331112');
});

test('the check symbol is (start + Σ position × value) mod 103 — the worked example PJJ123C in code set A gives 54', () => {
  assert.equal(checkSymbol([103, 48, 42, 42, 17, 18, 19, 35]), 54);
  assert.deepEqual(encode128('PJJ123C'), [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
});

test('an exam number: code set B for the letters, C for the ten digits', () => {
  assert.deepEqual(encode128('CT2611300001'), [START_B, 35, 52, CODE_C, 26, 11, 30, 0, 1, 63, STOP]);
  assert.equal(
    code128Widths('CT2611300001').join(''),
    '2112141313212133111131413212212312122121232122222221221112242331112',
  );
  assert.deepEqual(encode128('SQ20261130000012'), [START_B, 51, 49, CODE_C, 20, 26, 11, 30, 0, 0, 12, 23, STOP]);
});

test('digits only: an even run starts in code set C; an odd run gives its first digit to code set B', () => {
  assert.deepEqual(encode128('1234'), [START_C, 12, 34, 82, STOP]);
  assert.deepEqual(encode128('12'), [START_C, 12, 14, STOP]);
  assert.deepEqual(encode128('12345'), [START_B, 17, CODE_C, 23, 45, 53, STOP]);
  assert.equal(code128Widths('1234').join(''), '2112321122321311231212412331112');
});

test('a short run of digits stays in code set B; a long one between letters switches to C and back', () => {
  assert.deepEqual(encode128('A'), [START_B, 33, 34, STOP]);
  assert.deepEqual(encode128('A12B').slice(0, 5), [START_B, 33, 17, 18, 34]);
  assert.deepEqual(encode128('X1234567Y'), [START_B, 56, 17, CODE_C, 23, 45, 67, CODE_B, 57, 100, STOP]);
});

test('characters outside printable ASCII are refused', () => {
  assert.throws(() => encode128('张三'), /cannot encode/);
  assert.throws(() => encode128('A\nB'), /cannot encode/);
  assert.throws(() => encode128(''), /nothing/);
});

test('bars: quiet zones on both sides, widths add up, the SVG has one rect per bar', () => {
  const { bars, width } = code128Bars('CT2611300001');
  const modules = code128Widths('CT2611300001').reduce((a, b) => a + b, 0);
  assert.equal(modules, 11 * 10 + 13);
  assert.equal(width, modules + 2 * QUIET_ZONE);
  assert.equal(bars[0].x, QUIET_ZONE);
  assert.equal(bars.length, 10 * 3 + 4);
  const svg = code128Svg('CT2611300001', { height: 40 });
  assert.match(svg, /^<svg [^>]*viewBox="0 0 143 40"/);
  assert.equal((svg.match(/<rect x=/g) || []).length, bars.length);
  assert.match(code128Svg('A<B'), /<title>A&lt;B<\/title>/);
});
