import test from 'node:test';
import assert from 'node:assert/strict';
import {
  PRESETS, PRESET_KEYS, MAX_PRESETS, activePresets, setPresets, fromDepartment, builtinAsDepartment, presetLabel, presetForKey,
  matchPreset, presetById, presetWindow, newPresetId, movePreset, presetErrorPlace, changedAt,
} from '../lib/viewer/presets.js';
import zhCN from '../lib/i18n/viewer.zh-CN.js';
import en from '../lib/i18n/viewer.en.js';
import exportZh from '../lib/i18n/viewer-export.zh-CN.js';
import exportEn from '../lib/i18n/viewer-export.en.js';

/** A department list of `n` presets. */
const list = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => ({ id: `p${i}`, name: `预设${i}`, nameEn: `Preset ${i}`, center: i * 10, width: 100 + i }));

test('the built-in list is in use until a department list replaces it, and comes back with null', () => {
  setPresets(null);
  assert.equal(activePresets(), PRESETS);
  assert.equal(presetForKey('4')?.id, 'lung');
  const dept = setPresets([
    { id: 'lung', name: '肺窗', nameEn: 'Lung', center: -650, width: 1600 },
    { id: 'hn', name: '头颈软组织', center: 60, width: 360 },
  ]);
  assert.equal(activePresets(), dept);
  assert.deepEqual(dept.map((p) => [p.id, p.key, p.center, p.width]), [['lung', '1', -650, 1600], ['hn', '2', 60, 360]]);
  assert.equal(presetForKey('1')?.name, '肺窗', 'the digit keys follow the department list');
  assert.equal(presetForKey('2')?.id, 'hn');
  assert.equal(presetForKey('4'), undefined, 'a key beyond the list does nothing');
  assert.equal(matchPreset({ center: 60, width: 360 })?.id, 'hn', 'the corner names the department preset');
  assert.equal(matchPreset({ center: -600, width: 1500 }), undefined, 'the built-in lung window is no longer a preset');
  assert.equal(presetById('lung')?.center, -600, 'presetById still names the built-in ones');
  assert.deepEqual(presetWindow(dept[0]), { center: -650, width: 1600, fn: 'LINEAR' });
  setPresets(undefined);
  assert.equal(activePresets(), PRESETS);
  assert.equal(matchPreset({ center: -600, width: 1500 })?.id, 'lung');
});

test('a department list: the first ten take 1…9, 0, the rest no key; values become numbers; frozen', () => {
  const out = fromDepartment(list(MAX_PRESETS));
  assert.equal(out.length, 16);
  assert.deepEqual(out.slice(0, 10).map((p) => p.key), [...PRESET_KEYS]);
  assert.deepEqual(out.slice(10).map((p) => p.key), ['', '', '', '', '', '']);
  setPresets(list(MAX_PRESETS));
  assert.equal(presetForKey('0')?.id, 'p9');
  assert.equal(presetForKey(''), undefined, 'presets without a key are never chosen by a key');
  setPresets(null);
  const strings = fromDepartment([/** @type {any} */ ({ id: 'x', name: 'X', center: '40', width: '400' })]);
  assert.equal(strings[0].center, 40);
  assert.equal(strings[0].width, 400);
  assert.equal('nameEn' in strings[0], false);
  assert.throws(() => { /** @type {any} */ (out[0]).width = 1; });
  assert.throws(() => { /** @type {any} */ (out).push(out[0]); });
});

test('labels: catalogue key for built-ins, the department name, English when asked and given', () => {
  const tr = (/** @type {string} */ k) => zhCN[k] ?? k;
  assert.equal(presetLabel(PRESETS[3], tr), '肺窗');
  const [a, b] = fromDepartment([{ id: 'a', name: '脑窗（窄）', nameEn: 'Brain narrow', center: 35, width: 60 }, { id: 'b', name: '骨窗', center: 500, width: 2000 }]);
  assert.equal(presetLabel(a, tr, 'zh-CN'), '脑窗（窄）');
  assert.equal(presetLabel(a, tr, 'en'), 'Brain narrow');
  assert.equal(presetLabel(b, tr, 'en'), '骨窗', 'no English name: the Chinese one');
});

test('the editor starts from the built-in list written as a department list the server accepts', () => {
  const rows = builtinAsDepartment(zhCN, en);
  assert.equal(rows.length, PRESETS.length);
  assert.deepEqual(rows[3], { id: 'lung', name: '肺窗', nameEn: en['viewer.preset.lung'], center: -600, width: 1500 });
  for (const r of rows) {
    assert.match(r.id, /^[a-z0-9_-]{1,32}$/);
    assert.ok(r.name.length >= 1 && r.name.length <= 16, r.name);
    assert.ok((r.nameEn ?? '').length <= 32, r.nameEn);
  }
  assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, 'names are unique');
});

test('new ids, moving rows, and where a server error belongs', () => {
  assert.equal(newPresetId([]), 'custom-1');
  assert.equal(newPresetId([{ id: 'custom-1' }, { id: 'custom-3' }]), 'custom-2');
  assert.match(newPresetId(PRESETS), /^[a-z0-9_-]+$/);
  assert.deepEqual(movePreset(['a', 'b', 'c'], 2, -1), ['a', 'c', 'b']);
  assert.deepEqual(movePreset(['a', 'b', 'c'], 0, 1), ['b', 'a', 'c']);
  assert.deepEqual(movePreset(['a', 'b', 'c'], 0, -1), ['a', 'b', 'c'], 'the first row cannot go up');
  assert.deepEqual(movePreset(['a', 'b', 'c'], 2, 1), ['a', 'b', 'c'], 'the last row cannot go down');
  const src = ['a', 'b'];
  movePreset(src, 0, 1);
  assert.deepEqual(src, ['a', 'b'], 'the list given is left alone');
  assert.deepEqual(presetErrorPlace('presets[2].width'), { row: 2, field: 'width' });
  assert.deepEqual(presetErrorPlace('presets[12].nameEn'), { row: 12, field: 'nameEn' });
  assert.deepEqual(presetErrorPlace('presets[0]'), { row: 0, field: '' });
  assert.deepEqual(presetErrorPlace('presets'), { row: null, field: '' });
  assert.equal(presetErrorPlace('name'), null);
});

test('the time of the last change in local time; nonsense is shown as given', () => {
  const local = new Date(2026, 2, 8, 14, 5, 30);
  assert.equal(changedAt(local.toISOString()), '2026-03-08 14:05');
  assert.equal(changedAt(null), '');
  assert.equal(changedAt('yesterday'), 'yesterday');
});

test('the export and preset texts exist in both languages with the same placeholders', () => {
  const ph = (/** @type {string} */ s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(exportZh).sort(), Object.keys(exportEn).sort());
  for (const [k, v] of Object.entries(exportZh)) assert.deepEqual(ph(exportEn[k]), ph(v), k);
  assert.equal(exportZh['studyExport.dicom'], '原始 DICOM（含 DICOMDIR）');
  assert.equal(exportZh['studyExport.jpeg'], 'JPEG 图像');
  assert.equal(exportZh['studyExport.large'], '文件较大，请耐心等待');
  assert.equal(exportZh['deptPresets.edit'], '编辑科室预设…');
  assert.equal(exportZh['deptPresets.reset'], '恢复系统默认');
  assert.equal(exportZh['deptPresets.fromView'], '用当前窗');
});
