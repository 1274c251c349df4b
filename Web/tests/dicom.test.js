import test from 'node:test';
import assert from 'node:assert/strict';
import {
  SERVICES, STATUS_KINDS, DUPLICATE_POLICIES, OPERATIONS, serviceLabel, serviceCode, summariseServices, statusTone,
  statusRowClass, activityStatus, operationLabel, directionLabel, directionHint, duplicatePolicyText, echoSummary,
  durationText, checkNodeForm, allowedTabs,
} from '../lib/dicom.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';
import zhCN from '../lib/i18n/zh-CN.js';
import en from '../lib/i18n/en.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const enT = createTranslator(CATALOGS, 'en');

test('the services are the server\'s, in its order', () => {
  // Sources/Archive/Network/ApplicationEntityService.swift: ApplicationEntityService.services
  assert.deepEqual([...SERVICES], ['store', 'find', 'move', 'get', 'worklist', 'mpps', 'commitment']);
});

test('service names in Chinese, with the DIMSE name where the form wants it', () => {
  assert.deepEqual(SERVICES.map((s) => serviceLabel(zh, s)), ['存储', '查询', '移动', '获取', '工作列表', '检查状态', '存储确认']);
  assert.deepEqual(SERVICES.map((s) => serviceLabel(zh, s, true)), ['存储（C-STORE）', '查询（C-FIND）', '移动（C-MOVE）', '获取（C-GET）', '工作列表（MWL）', '检查状态（MPPS）', '存储确认']);
  assert.equal(serviceLabel(enT, 'store', true), 'Store (C-STORE)');
  assert.equal(serviceLabel(enT, 'commitment', true), 'Storage commitment');
  assert.equal(serviceLabel(zh, 'print'), 'print', 'an unknown service is shown as it is');
  assert.equal(serviceCode('worklist'), 'MWL');
  assert.equal(serviceCode('commitment'), null);
  assert.equal(serviceCode('print'), null);
});

test('every code-looked-up word exists in both languages', () => {
  const keys = [
    ...SERVICES.map((s) => `dicom.service.${s}`),
    ...STATUS_KINDS.map((k) => `dicom.kind.${k}`),
    ...OPERATIONS.map((o) => `dicom.op.${o}`),
    ...DUPLICATE_POLICIES.flatMap((p) => [`dicom.dup.${p}`, `dicom.dupHint.${p}`]),
    ...['in', 'out'].flatMap((d) => [`dicom.dir.${d}`, `dicom.dirHint.${d}`]),
  ];
  for (const key of keys) assert.ok(key in zhCN && key in en, key);
});

test('summariseServices: all, none, or the given ones in the server\'s order', () => {
  assert.deepEqual(summariseServices([...SERVICES].reverse()), { all: true });
  assert.deepEqual(summariseServices([]), { none: true });
  assert.deepEqual(summariseServices(null), { none: true });
  assert.deepEqual(summariseServices(['worklist', 'store', 'mpps']), { codes: ['store', 'worklist', 'mpps'] });
  assert.deepEqual(summariseServices(['find', 'print']), { codes: ['find', 'print'] }, 'unknown services are kept, last');
});

test('status kind → badge colour and row class', () => {
  assert.equal(statusTone('success'), 'green');
  assert.equal(statusTone('warning'), 'orange');
  assert.equal(statusTone('failure'), 'red');
  assert.equal(statusTone('pending'), 'blue');
  assert.equal(statusTone('cancel'), 'gray');
  assert.equal(statusTone('something-new'), 'gray');
  assert.equal(statusRowClass('failure'), 'row-failure');
  assert.equal(statusRowClass('warning'), 'row-warning');
  assert.equal(statusRowClass('success'), '');
  assert.equal(statusRowClass('cancel'), '');
});

test('activityStatus: the server\'s Chinese text with the code; in English the kind with the code', () => {
  const entry = { status: 0xa801, statusHex: '0xA801', statusKind: 'failure', statusText: '移动目标节点未知：请在“DICOM 节点”中登记该 AE Title' };
  assert.deepEqual(activityStatus(zh, entry, 'zh-CN'), { tone: 'red', main: '移动目标节点未知：请在“DICOM 节点”中登记该 AE Title', code: '0xA801' });
  assert.deepEqual(activityStatus(enT, entry, 'en'), { tone: 'red', main: 'Failure', code: '0xA801' });
  assert.deepEqual(activityStatus(zh, { status: 0, statusKind: 'success' }, 'zh-CN'), { tone: 'green', main: '成功', code: '0x0000' }, 'code and text made up when missing');
  assert.equal(activityStatus(zh, { status: 0xb000, statusHex: '0xB000', statusKind: 'warning', statusText: '部分完成' }, 'zh-CN').tone, 'orange');
});

test('operations, directions and the duplicate policy in words', () => {
  assert.equal(operationLabel(zh, 'C-STORE'), '存储');
  assert.equal(operationLabel(enT, 'C-FIND'), 'Query');
  assert.equal(operationLabel(zh, 'N-EVENT-REPORT'), '存储确认结果');
  assert.equal(operationLabel(zh, 'C-CANCEL'), null);
  assert.equal(operationLabel(zh, 'C-ECHO-RQ'), '连接测试', 'message names of live associations');
  assert.equal(operationLabel(zh, 'N-EVENT-REPORT-RSP'), '存储确认结果');
  assert.equal(directionLabel(zh, 'in'), '入站');
  assert.equal(directionLabel(zh, 'out'), '出站');
  assert.equal(directionLabel(zh, 'sideways'), 'sideways');
  assert.equal(directionHint(zh, 'in'), '对方设备连接本机');
  assert.equal(directionHint(zh, 'sideways'), '');
  assert.deepEqual(DUPLICATE_POLICIES.map((p) => duplicatePolicyText(zh, p).label), ['保留首份', '替换', '拒绝']);
  assert.match(duplicatePolicyText(zh, 'reject').hint, /拒绝接收/);
  assert.deepEqual(duplicatePolicyText(zh, 'merge'), { label: 'merge', hint: '' });
});

test('echoSummary: success with the round trip, failure with the server\'s message in the page language', () => {
  const ok = { ok: true, status: 0, milliseconds: 12.4, message: '连接正常（C-ECHO 成功）', messageEn: 'Connection OK (C-ECHO succeeded)' };
  assert.deepEqual(echoSummary(zh, ok, 'zh-CN'), { ok: true, text: '连接正常 · 12 毫秒', detail: '连接正常（C-ECHO 成功）' });
  assert.deepEqual(echoSummary(enT, ok, 'en'), { ok: true, text: 'Connection OK · 12 ms', detail: 'Connection OK (C-ECHO succeeded)' });
  const refused = { ok: false, status: null, milliseconds: 1, message: '无法连接到对方：请检查 IP、端口和网络', messageEn: 'cannot connect: 127.0.0.1:11999' };
  assert.equal(echoSummary(zh, refused, 'zh-CN').text, '无法连接到对方：请检查 IP、端口和网络');
  assert.equal(echoSummary(enT, refused, 'en').text, 'cannot connect: 127.0.0.1:11999');
  assert.equal(echoSummary(enT, { ok: false, milliseconds: 1, message: '连接失败' }, 'en').text, '连接失败', 'Chinese when no English message came');
  assert.equal(echoSummary(zh, { ok: false, milliseconds: 1, message: '' }, 'zh-CN').text, '连接失败');
});

test('durationText', () => {
  assert.equal(durationText(zh, 0), '0 秒');
  assert.equal(durationText(zh, 8_900), '8 秒');
  assert.equal(durationText(zh, 125_000), '2 分 05 秒');
  assert.equal(durationText(zh, 3_720_000), '1 小时 02 分');
  assert.equal(durationText(enT, 125_000), '2 min 05 s');
  assert.equal(durationText(zh, -5_000), '0 秒', 'a clock a little ahead of the server does not go negative');
  assert.equal(durationText(zh, NaN), '0 秒');
});

test('checkNodeForm: required fields and a whole-number port; the rest is for the server', () => {
  const values = { aeTitle: ' CT01 ', host: ' 192.168.10.21 ', port: ' 104 ', description: ' CT 室 ', services: ['find', 'store', 'print'], active: true };
  assert.deepEqual(checkNodeForm(values), {
    payload: { aeTitle: 'CT01', host: '192.168.10.21', port: 104, description: 'CT 室', services: ['store', 'find'], active: true, tls: false },
    problems: {},
  });
  const empty = checkNodeForm({ aeTitle: '', host: ' ', port: '', description: '', services: [], active: false });
  assert.equal(empty.payload, null);
  assert.deepEqual(Object.keys(empty.problems).sort(), ['aeTitle', 'host', 'port']);
  assert.equal(empty.problems.port.key, 'validation.required');
  assert.equal(checkNodeForm({ ...values, port: '10 4' }).problems.port.key, 'validation.integer');
  assert.equal(checkNodeForm({ ...values, port: '-1' }).problems.port.key, 'validation.integer');
  // Out of range and a bad AE title go to the server, whose message is shown under the field.
  assert.equal(checkNodeForm({ ...values, port: '70000' }).payload?.port, 70000);
  assert.equal(checkNodeForm({ ...values, aeTitle: 'TOO-LONG-AE-TITLE-X' }).payload?.aeTitle, 'TOO-LONG-AE-TITLE-X');
  assert.deepEqual(checkNodeForm({ ...values, services: [] }).payload?.services, [], 'a destination-only node');
  assert.equal(checkNodeForm({ ...values, tls: true }).payload?.tls, true, 'a node we call over DICOM TLS');
});

test('allowedTabs: 节点管理 and 路由规则 for node administrators, the monitoring tabs and 发送队列 for monitor.view', () => {
  /** @param {string[]} granted */
  const can = (granted) => (/** @type {string} */ p) => granted.includes(p);
  assert.deepEqual(allowedTabs(can(['dicom.nodes.manage', 'monitor.view'])), ['nodes', 'associations', 'activity', 'routing', 'outbox']);
  assert.deepEqual(allowedTabs(can(['monitor.view'])), ['associations', 'activity', 'outbox'], 'technologists');
  assert.deepEqual(allowedTabs(can(['dicom.nodes.manage'])), ['nodes', 'routing']);
  assert.deepEqual(allowedTabs(can([])), []);
});
