import test from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, presetById, presetForKey, presetWindow, matchPreset, dragWindow } from '../lib/viewer/presets.js';
import { LAYOUTS, parseLayout, isValidLayout, hang, clampActive, cellOf, neighbour, layoutName } from '../lib/viewer/layout.js';
import zhCN from '../lib/i18n/viewer.zh-CN.js';
import en from '../lib/i18n/viewer.en.js';

test('the presets the hospital asked for, with sensible CT values', () => {
  const want = { brain: [40, 80, '头颅（脑窗）'], bone: [400, 1800, '骨窗'], mediastinum: [40, 400, '纵隔'], lung: [-600, 1500, '肺窗'], abdomen: [40, 350, '腹部'], liver: [60, 160, '肝脾'] };
  for (const [id, [c, w, label]] of Object.entries(want)) {
    const p = presetById(id);
    assert.ok(p, id);
    assert.deepEqual([p.center, p.width], [c, w], id);
    assert.equal(zhCN[p.labelKey], label);
  }
  for (const id of ['kidney', 'pancreas', 'nasopharynx', 'limbs']) assert.ok(presetById(id), id);
  assert.deepEqual(PRESETS.map((p) => zhCN[p.labelKey]).slice(6), ['肾脏', '胰腺', '鼻咽', '四肢']);
  for (const p of PRESETS) {
    assert.ok(p.width >= 1 && p.width <= 4000 && p.center >= -1000 && p.center <= 1000, p.id);
    assert.ok(en[p.labelKey], `English label for ${p.id}`);
  }
  assert.equal(new Set(PRESETS.map((p) => p.key)).size, PRESETS.length, 'one digit key each');
  assert.equal(presetForKey('4')?.id, 'lung');
  assert.deepEqual(presetWindow(/** @type {any} */ (presetById('lung'))), { center: -600, width: 1500, fn: 'LINEAR' });
  assert.equal(matchPreset({ center: 400, width: 1800 })?.id, 'bone');
  assert.equal(matchPreset({ center: 1, width: 2 }), undefined);
  assert.throws(() => { /** @type {any} */ (PRESETS[0]).center = 1; }, 'presets are frozen');
});

test('dragging the window: right widens, down raises the centre, width never below 1', () => {
  assert.deepEqual(dragWindow({ center: 40, width: 400 }, 10, 0, 1), { center: 40, width: 410 });
  assert.deepEqual(dragWindow({ center: 40, width: 400 }, 0, -20, 2), { center: 0, width: 400 });
  assert.equal(dragWindow({ center: 40, width: 10 }, -1000, 0).width, 1);
  // Default step scales with the width (at least one unit per pixel).
  assert.deepEqual(dragWindow({ center: 0, width: 2560 }, 1, 1), { center: 10, width: 2570 });
});

test('layouts: the required grids, parsing, limits', () => {
  assert.deepEqual(LAYOUTS.map(layoutName), ['1x1', '1x2', '2x1', '2x2', '2x3', '3x4']);
  assert.deepEqual(parseLayout('2x3'), { rows: 2, cols: 3 });
  assert.deepEqual(parseLayout(' 3 × 4 '), { rows: 3, cols: 4 });
  assert.deepEqual(parseLayout('4*5'), { rows: 4, cols: 5 });
  assert.equal(parseLayout('0x2'), null);
  assert.equal(parseLayout('5x1'), null);
  assert.equal(parseLayout('2x'), null);
  assert.equal(isValidLayout({ rows: 1.5, cols: 1 }), false);
  assert.deepEqual(cellOf({ rows: 2, cols: 3 }, 4), { row: 1, col: 1 });
});

test('hanging keeps placed series and fills new cells with series not yet shown', () => {
  const all = ['A', 'B', 'C', 'D'];
  assert.deepEqual(hang(['C'], 4, all), ['C', 'A', 'B', 'D']);
  assert.deepEqual(hang(['C', 'C'], 3, all), ['C', 'C', 'A']);
  assert.deepEqual(hang(['A', null, 'B'], 4, all), ['A', 'C', 'B', 'D']);
  assert.deepEqual(hang(['A', 'B', 'C', 'D'], 2, all), ['A', 'B']);
  assert.deepEqual(hang([], 3, ['A']), ['A', null, null]);
  assert.equal(clampActive(5, 4), 3);
  assert.equal(clampActive(1, 4), 1);
});

test('neighbour cells stay inside the grid', () => {
  const l = { rows: 2, cols: 3 };
  assert.equal(neighbour(l, 0, 'right'), 1);
  assert.equal(neighbour(l, 0, 'left'), 0);
  assert.equal(neighbour(l, 1, 'down'), 4);
  assert.equal(neighbour(l, 5, 'down'), 5);
});
