import test from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMON_FIELDS, OTHER_FIELD, FIELD_EXAMPLES, OUTBOX_STATUSES, DESTINATION_STATES, commonField, fieldLabel, normalizeAttribute,
  valueAlternatives, conditionText, conditionsText, checkRuleForm, conditionToInput, outboxStatusLabel, outboxStatusTone, canRetry,
  destinationStateLabel, destinationStateTone, shortUID,
} from '../lib/routing.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const enT = createTranslator(CATALOGS, 'en');

test('the common attributes, with their names in both languages and an example each', () => {
  assert.deepEqual(COMMON_FIELDS.map((f) => fieldLabel(zh, f)), ['发送方 AE', '设备类型', '检查部位', '机构名称', '站点名称', 'SOP 类', '检查描述']);
  assert.equal(fieldLabel(enT, 'Modality'), 'Modality');
  assert.equal(fieldLabel(enT, 'callingAE'), 'Sending AE');
  for (const f of COMMON_FIELDS) {
    assert.notEqual(fieldLabel(enT, f), `routing.field.${f}`, f);
    assert.ok(FIELD_EXAMPLES[f], f);
  }
});

test('fieldLabel: callingAE in any case, keywords as they are, tags as (gggg,eeee)', () => {
  assert.equal(commonField('CALLINGAE'), 'callingAE');
  assert.equal(commonField(' Modality '), 'Modality');
  assert.equal(commonField('modality'), null, 'DICOM keywords are case-sensitive on the server');
  assert.equal(fieldLabel(zh, 'callingae'), '发送方 AE');
  assert.equal(fieldLabel(zh, 'PatientSex'), 'PatientSex');
  assert.equal(fieldLabel(zh, '0018015a'), '(0018,015A)');
});

test('normalizeAttribute: a keyword, or a tag written in any usual way', () => {
  assert.equal(normalizeAttribute(' PatientSex '), 'PatientSex');
  assert.equal(normalizeAttribute('00100040'), '00100040');
  assert.equal(normalizeAttribute('(0018,015a)'), '0018015A');
  assert.equal(normalizeAttribute('0010,0040'), '00100040');
  assert.equal(normalizeAttribute('0010 0040'), '00100040');
  assert.equal(normalizeAttribute('患者性别'), null);
  assert.equal(normalizeAttribute('Patient Sex'), null);
  assert.equal(normalizeAttribute('0010004'), null);
  assert.equal(normalizeAttribute(''), null);
});

test('conditions as a sentence', () => {
  assert.equal(
    conditionsText(zh, [{ field: 'Modality', value: 'CT' }, { field: 'callingAE', value: 'CT*' }]),
    '设备类型 = CT 且 发送方 AE = CT*',
  );
  assert.equal(conditionText(zh, { field: 'Modality', value: 'CT\\MR' }), '设备类型 为 CT、MR 之一');
  assert.equal(conditionText(zh, { field: 'Modality', value: 'CT', negate: true }), '设备类型 ≠ CT');
  assert.equal(conditionText(zh, { field: 'Modality', value: ' CT \\ MR\\', negate: true }), '设备类型 不是 CT、MR 中的任何一个');
  assert.equal(conditionText(zh, { field: '00180015', value: 'CHEST' }), '(0018,0015) = CHEST');
  assert.equal(conditionsText(zh, []), '全部图像（未设条件）');
  assert.equal(conditionsText(zh, null), '全部图像（未设条件）');
  assert.equal(
    conditionsText(enT, [{ field: 'Modality', value: 'CT\\MR' }, { field: 'InstitutionName', value: '*人民医院', negate: true }]),
    'Modality is one of CT, MR and Institution ≠ *人民医院',
  );
  assert.deepEqual(valueAlternatives('CT\\\\MR '), ['CT', 'MR']);
});

test('checkRuleForm: the body of POST /api/routing/rules', () => {
  const result = checkRuleForm({
    name: ' CT 转影像中心 ',
    description: ' 集中阅片 ',
    active: true,
    conditions: [
      { field: 'Modality', value: ' CT ', negate: false },
      { field: OTHER_FIELD, other: '(0018,0015)', value: 'CHEST', negate: true },
      { field: OTHER_FIELD, other: 'PatientSex', value: 'F' },
    ],
    destinations: ['PACS2', ' PACS2 ', 'WS1', ''],
  });
  assert.deepEqual(result, {
    payload: {
      name: 'CT 转影像中心',
      description: '集中阅片',
      active: true,
      conditions: [{ field: 'Modality', value: 'CT' }, { field: '00180015', value: 'CHEST', negate: true }, { field: 'PatientSex', value: 'F' }],
      destinations: ['PACS2', 'WS1'],
    },
    problems: {},
  });
  const noConditions = checkRuleForm({ name: 'all', description: '', active: false, conditions: [], destinations: ['PACS2'] });
  assert.deepEqual(noConditions.payload?.conditions, [], 'a rule without conditions routes everything');
  assert.equal(noConditions.payload?.active, false);
});

test('checkRuleForm: problems under the server\'s field names', () => {
  const { payload, problems } = checkRuleForm({
    name: ' ',
    description: '',
    active: true,
    conditions: [
      { field: 'Modality', value: 'CT' },
      { field: OTHER_FIELD, other: '', value: ' ' },
      { field: OTHER_FIELD, other: '患者 性别', value: 'F' },
    ],
    destinations: [],
  });
  assert.equal(payload, null);
  assert.deepEqual(problems, {
    name: { key: 'validation.required' },
    'conditions[1].field': { key: 'routing.rule.otherRequired' },
    'conditions[1].value': { key: 'routing.rule.valueRequired' },
    'conditions[2].field': { key: 'routing.rule.otherInvalid' },
    destinations: { key: 'routing.rule.destinationsRequired' },
  });
  // An unknown but well-formed keyword is for the server to refuse (its message goes under the same field).
  assert.ok(checkRuleForm({ name: 'x', description: '', active: true, conditions: [{ field: OTHER_FIELD, other: 'Modalty', value: 'CT' }], destinations: ['A'] }).payload);
});

test('conditionToInput: common fields in the select, the rest under 其他属性', () => {
  assert.deepEqual(conditionToInput({ field: 'Modality', value: 'CT' }), { field: 'Modality', other: '', value: 'CT', negate: false });
  assert.deepEqual(conditionToInput({ field: 'CallingAE', value: 'CT*', negate: true }), { field: 'callingAE', other: '', value: 'CT*', negate: true });
  assert.deepEqual(conditionToInput({ field: '00180015', value: 'CHEST', negate: null }), { field: OTHER_FIELD, other: '00180015', value: 'CHEST', negate: false });
});

test('outbox statuses: words, colours, and which rows may be sent again', () => {
  assert.deepEqual(OUTBOX_STATUSES.map((s) => outboxStatusLabel(zh, s)), ['待发送', '发送中', '已送达', '失败（死信）']);
  assert.deepEqual(OUTBOX_STATUSES.map((s) => outboxStatusLabel(enT, s)), ['Waiting', 'Sending', 'Delivered', 'Failed (dead letter)']);
  assert.equal(outboxStatusLabel(zh, 'lost'), 'lost');
  assert.equal(outboxStatusTone({ status: 'done', attempts: 1 }), 'green');
  assert.equal(outboxStatusTone({ status: 'dead', attempts: 12 }), 'red');
  assert.equal(outboxStatusTone({ status: 'pending', attempts: 0 }), 'blue');
  assert.equal(outboxStatusTone({ status: 'pending', attempts: 2 }), 'orange', 'waiting after a failed attempt');
  assert.equal(outboxStatusTone({ status: 'sending' }), 'blue');
  assert.equal(outboxStatusTone({ status: 'lost' }), 'gray');
  assert.deepEqual(OUTBOX_STATUSES.filter((status) => canRetry({ status })), ['pending', 'dead']);
});

test('destination states: 正常 green, 重试中 amber, 失败 red', () => {
  assert.deepEqual(DESTINATION_STATES.map((s) => destinationStateLabel(zh, s)), ['正常', '重试中', '失败']);
  assert.deepEqual(DESTINATION_STATES.map(destinationStateTone), ['green', 'orange', 'red']);
  assert.equal(destinationStateLabel(enT, 'retrying'), 'Retrying');
  assert.equal(destinationStateLabel(zh, 'odd'), 'odd');
  assert.equal(destinationStateTone('odd'), 'gray');
});

test('shortUID keeps the root and the distinguishing tail', () => {
  const uid = '1.2.840.113619.2.55.3.604688119.868.1234567890.123';
  const short = shortUID(uid);
  assert.equal(short.length, 24);
  assert.ok(short.startsWith('1.2.840.') && short.endsWith('1234567890.123') && short.includes('…'), short);
  assert.equal(shortUID('1.2.3'), '1.2.3');
  assert.equal(shortUID(null), '');
  assert.equal(shortUID(uid, 12).length, 12);
});
