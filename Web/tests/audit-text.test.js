import test from 'node:test';
import assert from 'node:assert/strict';
import { lookupCode, roleNames, rolesText, objectText, detailText, actionGroups } from '../lib/audit-text.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const en = createTranslator(CATALOGS, 'en');

test('lookupCode answers null for codes without a text', () => {
  assert.equal(lookupCode(zh, 'role', 'registrar'), '登记员');
  assert.equal(lookupCode(zh, 'role', 'report_auditor'), null);
});

test('roleNames names built-in roles and keeps custom codes', () => {
  assert.deepEqual(roleNames(zh, 'system_admin,security_admin,auditor'), ['系统管理员', '安全管理员', '审计管理员']);
  assert.deepEqual(roleNames(en, 'registrar'), ['Registrar']);
  assert.deepEqual(roleNames(zh, ['chief', 'report_auditor']), ['主任医师', 'report_auditor']);
  assert.deepEqual(roleNames(zh, [{ code: 'x', name: '质控员' }]), ['质控员']);
  assert.deepEqual(roleNames(zh, null), []);
  assert.deepEqual(roleNames(zh, ''), []);
});

test('rolesText prefers the role names the server sends, and names the codes itself otherwise', () => {
  assert.equal(rolesText(zh, { roles: 'system_admin,report_auditor', roleNames: '系统管理员、报告审核员' }), '系统管理员、报告审核员');
  assert.equal(rolesText(en, { roles: 'registrar', roleNames: '挂号登记' }), '挂号登记', 'a renamed role is shown by its current name');
  assert.equal(rolesText(zh, { roles: 'system_admin,report_auditor' }), '系统管理员、report_auditor');
  assert.equal(rolesText(zh, { roles: 'registrar', roleNames: '' }), '登记员');
  assert.equal(rolesText(zh, { roles: 'registrar', roleNames: null }), '登记员');
  assert.equal(rolesText(en, { roles: 'auditor,chief' }), 'Audit administrator, Chief physician');
  assert.equal(rolesText(zh, {}), '');
});

test('objectText names the object type, and the dictionary kind of dictionary rows', () => {
  assert.equal(objectText(zh, 'user', '9'), '用户 #9');
  assert.equal(objectText(zh, 'user', 9), '用户 #9');
  assert.equal(objectText(zh, 'user', null), '用户');
  assert.equal(objectText(zh, 'settings', null), '安全策略');
  assert.equal(objectText(zh, 'dictionary', 'departments/13'), '科室病区 #13');
  assert.equal(objectText(zh, 'dictionary', 'exam-items'), '检查项目', 'export and import name only the kind');
  assert.equal(objectText(zh, 'dictionary', null), '字典数据');
  assert.equal(objectText(zh, 'dictionary', 'unknown-kind/3'), '字典数据 #unknown-kind/3');
  assert.equal(objectText(en, 'audit_log', undefined), 'Audit log');
  assert.equal(objectText(zh, 'patient', 'P001'), 'patient #P001', 'unknown types are shown as they are');
  assert.equal(objectText(zh, null, '5'), '#5');
  assert.equal(objectText(zh, null, null), '');
});

test('detailText translates error codes and notes, and keeps free text', () => {
  assert.equal(detailText(zh, 'duplicate'), '与已有记录重复');
  assert.equal(detailText(zh, 'username=chief; duplicate'), '用户名：chief；与已有记录重复');
  assert.equal(detailText(en, 'username=chief; duplicate'), 'Username: chief; Duplicates an existing record');
  assert.equal(detailText(zh, 'permissions=dict.view,dict.manage'), '权限：dict.view、dict.manage');
  assert.equal(detailText(zh, '密码错误，连续失败 1/5 次'), '密码错误，连续失败 1/5 次');
  assert.equal(detailText(zh, 'ok, 49 records'), 'ok, 49 records', 'sentences are not codes');
  assert.equal(detailText(zh, 'some_new_code'), 'some_new_code');
  assert.equal(detailText(zh, 'foo=bar'), 'foo=bar', 'unknown notes stay as written');
  assert.equal(detailText(zh, null), '');
  assert.equal(detailText(zh, { a: 1 }), '{"a":1}');
});

test('actionGroups groups codes by their first segment, keeping order', () => {
  assert.deepEqual(actionGroups(['auth.login', 'auth.logout', 'user.create', 'user.password.reset', 'system.bootstrap']), [
    { prefix: 'auth.', codes: ['auth.login', 'auth.logout'] },
    { prefix: 'user.', codes: ['user.create', 'user.password.reset'] },
    { prefix: 'system.', codes: ['system.bootstrap'] },
  ]);
  assert.deepEqual(actionGroups([]), []);
});

test('detailText keeps the readable grant details the server writes', () => {
  assert.equal(detailText(zh, '授权：登记员（西城县人民医院；全部检查类别）'), '授权：登记员（西城县人民医院；全部检查类别）');
  assert.equal(detailText(zh, '授权：登记员（西城县人民医院；全部检查类别），技师（全部机构；CT、MR）'), '授权：登记员（西城县人民医院；全部检查类别），技师（全部机构；CT、MR）');
  assert.equal(detailText(zh, '撤销全部授权'), '撤销全部授权');
});

test('detailText names the permissions of a role change when the names are known', () => {
  const names = new Map([['users.view', '查看用户'], ['dict.manage', '维护字典']]);
  assert.equal(detailText(zh, '报告审核员：users.view,dict.manage', names), '报告审核员：查看用户、维护字典');
  assert.equal(detailText(zh, '报告审核员：users.view,qc.manage', names), '报告审核员：查看用户、qc.manage', 'unknown codes stay');
  assert.equal(detailText(zh, '报告审核员：users.view,dict.manage'), '报告审核员：users.view,dict.manage', 'without names: as written');
  assert.equal(detailText(zh, '报告审核员：users.view', new Map()), '报告审核员：users.view');
  assert.equal(detailText(zh, '报告审核员：qc.manage', names), '报告审核员：qc.manage', 'no known code: as written');
  assert.equal(detailText(zh, '报告审核员：', names), '报告审核员：', 'a role without permissions');
  assert.equal(detailText(zh, '授权：登记员（西城县人民医院；全部检查类别）', names), '授权：登记员（西城县人民医院；全部检查类别）', 'grants are not permission lists');
  assert.equal(detailText(zh, 'permissions=users.view,dict.manage', names), '权限：查看用户、维护字典', 'older records');
  assert.equal(detailText(zh, 'permissions=users.view,dict.manage'), '权限：users.view、dict.manage');
});
