// 预约规则 words and bodies (lib/booking-rules.js): conditions and parameters as the page says them, the editor's
// checks and the request bodies of POST / PUT /api/scheduling/rules, and the PUTs of 上移 / 下移.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  conditionText, paramsText, ruleBody, reorder, splitValues, fieldLabel, valueLabel, RULE_FIELDS, FIELD_KEYS, RULE_KINDS, RULE_KIND_KEYS, VALUE_CHOICES,
} from '../lib/booking-rules.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const en = createTranslator(CATALOGS, 'en');

test('every field the server names has a Chinese and an English label, and every kind a name', () => {
  assert.equal(RULE_FIELDS.length, 19);
  const expected = {
    category: '检查类别', institutionId: '院区', ward: '病区', department: '申请科室', nursingUnit: '护理单元', requestingDoctor: '申请医生',
    performingDoctor: '检查医生', priority: '优先级', source: '患者来源', channel: '预约渠道', diagnosis: '临床诊断', bedside: '床旁', itemCode: '项目编码',
    itemName: '项目名称', modality: '设备类型', examClass: '检查分类', orderType: '申请类型', orderHour: '开单时段（时）', bookingHour: '预约时段（时）',
  };
  for (const f of RULE_FIELDS) {
    assert.equal(fieldLabel(f, zh), expected[/** @type {keyof typeof expected} */ (f)], f);
    assert.notEqual(fieldLabel(f, en), FIELD_KEYS[f], `${f} in English`);
  }
  assert.deepEqual(RULE_KINDS.map((k) => zh(RULE_KIND_KEYS[k])), ['限制', '检查准备', '冲突', '合并']);
  assert.equal(fieldLabel('unknownField', zh), 'unknownField', 'a field the page does not know shows as it is');
});

test('conditions read as Chinese sentences, known values by name', () => {
  assert.equal(conditionText({ field: 'channel', op: 'in', value: 'kiosk,wechat,app' }, zh), '预约渠道 属于 自助机、微信公众号、手机 App');
  assert.equal(conditionText({ field: 'bedside', op: 'eq', value: 'true' }, zh), '床旁 = 是');
  assert.equal(conditionText({ field: 'source', op: 'ne', value: 'inpatient' }, zh), '患者来源 ≠ 住院');
  assert.equal(conditionText({ field: 'priority', op: 'eq', value: 'stat' }, zh), '优先级 = ' + zh('reg.priority.stat'));
  assert.equal(conditionText({ field: 'itemName', op: 'contains', value: '增强' }, zh), '项目名称 包含 增强');
  assert.equal(conditionText({ field: 'itemCode', op: 'prefix', value: 'CT-' }, zh), '项目编码 开头是 CT-');
  assert.equal(conditionText({ field: 'channel', op: 'in', value: 'kiosk, mystery' }, zh), '预约渠道 属于 自助机、mystery', 'an unknown value as it is');
  assert.equal(conditionText({ field: 'bedside', op: 'eq', value: 'true' }, en), 'Bedside = Yes');
  assert.equal(valueLabel('channel', 'wechat', zh), '微信公众号');
  assert.equal(valueLabel('ward', 'true', zh), 'true', 'only fields with known values are translated');
  assert.deepEqual(VALUE_CHOICES.bedside, ['true', 'false']);
});

test('in-lists accept commas of either width and 、', () => {
  assert.deepEqual(splitValues(' kiosk，wechat、app ,, '), ['kiosk', 'wechat', 'app']);
  assert.deepEqual(splitValues(''), []);
});

test('conflict and merge parameters in words', () => {
  assert.equal(paramsText({ kind: 'conflict', params: { otherField: 'examClass', otherValue: '钡餐造影', minDays: 7 } }, zh), '在「检查分类 = 钡餐造影」的预约之后 7 天内不可预约');
  assert.equal(paramsText({ kind: 'merge', params: { sameFields: ['department', 'modality'], maxDays: 3, sameItem: true } }, zh), '需一致：申请科室、设备类型 · 开单相隔不超过 3 天 · 允许同一项目合并');
  assert.equal(paramsText({ kind: 'merge', params: { maxDays: 0 } }, zh), '开单相隔不超过 0 天');
  assert.equal(paramsText({ kind: 'restrict', params: {} }, zh), '');
});

test('a restrict rule: the body the server takes, in-lists normalised, params empty', () => {
  const { body, problems } = ruleBody({
    name: ' 床旁不走自助 ', kind: 'restrict', message: ' 床旁检查请到病区护士站预约 ', active: true,
    conditions: [{ field: 'bedside', op: 'eq', value: 'true' }, { field: 'channel', op: 'in', value: 'kiosk， wechat,app' }],
    otherField: 'examClass', otherValue: 'x', minDays: '7', sameFields: ['ward'], maxDays: '3',
  });
  assert.deepEqual(problems, {});
  assert.deepEqual(body, {
    name: '床旁不走自助', kind: 'restrict', message: '床旁检查请到病区护士站预约', active: true, params: {},
    conditions: [{ field: 'bedside', op: 'eq', value: 'true' }, { field: 'channel', op: 'in', value: 'kiosk,wechat,app' }],
  });
});

test('a conflict rule carries otherField, otherValue and minDays as a number', () => {
  const { body } = ruleBody({
    name: '钡餐后腹部CT', kind: 'conflict', message: '钡餐造影后 7 天内不宜做腹部 CT', conditions: [{ field: 'itemName', op: 'contains', value: '腹部' }],
    otherField: 'examClass', otherValue: ' 钡餐造影 ', minDays: '7', active: false,
  });
  assert.deepEqual(body?.params, { otherField: 'examClass', otherValue: '钡餐造影', minDays: 7 });
  assert.equal(body?.active, false);
});

test('a merge rule may have no condition and carries sameFields, maxDays and sameItem', () => {
  const { body, problems } = ruleBody({ name: '同日CT合并', kind: 'merge', message: '可同一天检查', conditions: [], sameFields: ['modality'], maxDays: '0', sameItem: false });
  assert.deepEqual(problems, {});
  assert.deepEqual(body?.params, { sameFields: ['modality'], maxDays: 0, sameItem: false });
  assert.deepEqual(body?.conditions, []);
});

test('the editor’s checks use the server’s field names', () => {
  const { body, problems } = ruleBody({ name: '', kind: 'conflict', message: ' ', conditions: [{ field: 'channel', op: 'in', value: ' , ' }, { field: '', op: 'eq', value: 'x' }], otherField: 'examClass', otherValue: '', minDays: '61' });
  assert.equal(body, null);
  assert.deepEqual(Object.keys(problems).sort(), ['conditions[0].value', 'conditions[1].field', 'message', 'name', 'params.minDays', 'params.otherField']);
  assert.deepEqual(problems['params.minDays'], { key: 'rules.err.minDays', params: { min: 1, max: 60 } });
  assert.ok(ruleBody({ name: 'a', kind: 'restrict', message: 'b', conditions: [] }).problems.conditions, 'restrict needs a condition');
  assert.ok(ruleBody({ name: 'a', kind: 'merge', message: 'b', conditions: [], maxDays: '31' }).problems['params.maxDays']);
  assert.ok(ruleBody({ name: 'a', kind: 'merge', message: 'b', conditions: [], maxDays: '1.5' }).problems['params.maxDays'], 'whole days only');
  assert.ok(ruleBody({ name: 'a', kind: 'nope', message: 'b', conditions: [{ field: 'ward', op: 'eq', value: 'x' }] }).problems.kind);
});

test('上移 / 下移: swap and renumber, sending only the positions that change', () => {
  const rules = [1, 2, 3, 4].map((id) => ({ id, name: `r${id}`, kind: /** @type {const} */ ('restrict'), conditions: [], params: {}, message: '', position: id, active: true }));
  const down = reorder(rules, 1, 1);
  assert.deepEqual(down.order.map((r) => r.id), [1, 3, 2, 4]);
  assert.deepEqual(down.puts, [{ id: 3, position: 2 }, { id: 2, position: 3 }]);
  assert.deepEqual(reorder(rules, 0, -1).puts, [], 'the first cannot go up');
  assert.deepEqual(reorder(rules, 3, 1).puts, [], 'the last cannot go down');
  // Rules sharing a position (older data) get distinct ones.
  const tied = rules.map((r) => ({ ...r, position: 5 }));
  assert.deepEqual(reorder(tied, 2, -1).puts, [{ id: 1, position: 1 }, { id: 3, position: 2 }, { id: 2, position: 3 }, { id: 4, position: 4 }]);
});
