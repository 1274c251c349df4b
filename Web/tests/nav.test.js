import test from 'node:test';
import assert from 'node:assert/strict';
import { NAV, visibleNav, parseHash, findRoute, resolveRoute, hasPermission } from '../lib/nav.js';

const ALL = ['users.view', 'users.manage', 'roles.view', 'roles.manage', 'roles.assign', 'sessions.manage', 'security.view', 'security.manage',
  'dict.view', 'dict.manage', 'audit.view', 'audit.export', 'registration.manage', 'exam.perform', 'study.view', 'report.write',
  'report.review', 'qc.manage', 'stats.view', 'cloudfilm.manage', 'archive.manage', 'monitor.view', 'dicom.nodes.manage'];

/** @param {ReturnType<typeof visibleNav>} nav */
const ids = (nav) => nav.flatMap((g) => g.items.map((i) => i.id));

test('a registrar sees the workbench, registration and the booking calendar, blacklist and statistics', () => {
  const nav = visibleNav(['registration.manage']);
  assert.deepEqual(ids(nav), ['home', 'registration', 'schedCalendar', 'schedBlacklist', 'schedStats']);
  assert.deepEqual(nav.map((g) => g.id), ['main', 'clinical', 'scheduling'], 'empty groups are dropped');
});

test('booking rules (号源管理, 检查号规则, 预约规则) need scheduling.manage; the blacklist and statistics open with either permission', () => {
  const headOnly = ids(visibleNav(['scheduling.manage']));
  assert.deepEqual(headOnly.filter((id) => id.startsWith('sched')), ['schedSlots', 'schedNumbers', 'schedRules', 'schedBlacklist', 'schedStats']);
  assert.ok(!ids(visibleNav(['registration.manage'])).includes('schedSlots'));
  assert.equal(resolveRoute('/sched-rules', ['registration.manage']).status, 'forbidden');
  assert.equal(resolveRoute('/sched-rules', ['scheduling.manage']).status, 'ok');
  assert.equal(resolveRoute('/sched-slots', ['registration.manage']).status, 'forbidden');
  assert.equal(resolveRoute('/sched-numbers', ['scheduling.manage']).status, 'ok');
  assert.equal(resolveRoute('/sched-calendar', ['registration.manage']).status, 'ok');
});

test('a user without permissions still has the workbench', () => {
  assert.deepEqual(ids(visibleNav([])), ['home']);
});

test('the system administrator sees every module in the required order', () => {
  assert.deepEqual(ids(visibleNav(ALL)), ['home', 'registration', 'worklist', 'reports', 'consult', 'qc', 'schedCalendar', 'schedBlacklist', 'schedStats', 'stats', 'cloudfilm', 'archive', 'monitor', 'users', 'roles', 'dict', 'dicom', 'security', 'audit']);
});

test('each module is guarded by the permission the mission names', () => {
  const expected = {
    home: null, registration: 'registration.manage', worklist: 'study.view', reports: 'report.write', consult: 'report.write',
    qc: 'qc.manage', schedCalendar: 'registration.manage', schedSlots: 'scheduling.manage', schedNumbers: 'scheduling.manage', schedRules: 'scheduling.manage',
    schedBlacklist: ['registration.manage', 'scheduling.manage'], schedStats: ['registration.manage', 'scheduling.manage'], stats: 'stats.view', cloudfilm: 'cloudfilm.manage', archive: 'archive.manage', monitor: 'monitor.view',
    users: 'users.view', roles: 'roles.view', dict: 'dict.view', dicom: ['dicom.nodes.manage', 'monitor.view'], security: 'security.view', audit: 'audit.view',
  };
  /** @type {Record<string, string | string[] | null>} */
  const actual = {};
  for (const g of NAV) for (const i of g.items) actual[i.id] = i.permission;
  assert.deepEqual(actual, expected);
  const system = NAV.find((g) => g.id === 'system');
  assert.deepEqual(system?.items.map((i) => i.id), ['users', 'roles', 'dict', 'dicom', 'security', 'audit']);
});

test('an auditor sees the audit log but no user administration', () => {
  const got = ids(visibleNav(['audit.view', 'audit.export']));
  assert.ok(got.includes('audit'));
  assert.ok(!got.includes('users'));
  assert.ok(!got.includes('roles'));
});

test('DICOM 节点 opens with either of its permissions: node administrators and technologists (monitor.view)', () => {
  const technologist = ['exam.perform', 'study.view', 'qc.manage', 'dict.view', 'monitor.view'];
  assert.ok(ids(visibleNav(technologist)).includes('dicom'));
  assert.ok(ids(visibleNav(['dicom.nodes.manage'])).includes('dicom'));
  assert.ok(!ids(visibleNav(['registration.manage'])).includes('dicom'));
  assert.equal(resolveRoute('/dicom/activity', technologist).status, 'ok');
  assert.equal(resolveRoute('/dicom/nodes', ['dicom.nodes.manage']).status, 'ok');
  assert.equal(resolveRoute('/dicom', ['registration.manage']).status, 'forbidden');
});

test('parseHash splits path, segments and query', () => {
  assert.deepEqual(parseHash('').segments, ['home']);
  assert.equal(parseHash('#').path, '/home');
  assert.equal(parseHash('#/').path, '/home');
  const r = parseHash('#/dict/exam-items?q=CT');
  assert.equal(r.path, '/dict/exam-items');
  assert.deepEqual(r.segments, ['dict', 'exam-items']);
  assert.equal(r.query.get('q'), 'CT');
  assert.deepEqual(parseHash('#/dict/%E6%A3%80%E6%9F%A5').segments, ['dict', '检查']);
  assert.deepEqual(parseHash('#/x/%E0%A4%A').segments, ['x', '%E0%A4%A'], 'a bad escape does not throw');
});

test('findRoute matches on the first segment only', () => {
  assert.equal(findRoute('/dict/body-parts')?.id, 'dict');
  assert.equal(findRoute('/users')?.id, 'users');
  assert.equal(findRoute('/password')?.id, 'password');
  assert.equal(findRoute('/tokens')?.id, 'tokens');
  assert.equal(findRoute('/nothing'), null);
  assert.equal(findRoute('/dictionary'), null);
});

test('resolveRoute: allowed, forbidden (403 page) and unknown (404 page)', () => {
  const registrar = ['registration.manage'];
  assert.deepEqual(resolveRoute('/registration', registrar).status, 'ok');
  assert.deepEqual(resolveRoute('/home', registrar).status, 'ok');
  assert.deepEqual(resolveRoute('/password', []).status, 'ok');
  assert.deepEqual(resolveRoute('/tokens', []).status, 'ok', 'every signed-in user manages their own API tokens');
  const denied = resolveRoute('/users', registrar);
  assert.equal(denied.status, 'forbidden');
  assert.equal(denied.status === 'forbidden' && denied.item.id, 'users');
  assert.equal(resolveRoute('/dict/institutions', registrar).status, 'forbidden');
  assert.equal(resolveRoute('/dict/institutions', ['dict.view']).status, 'ok');
  assert.equal(resolveRoute('/no-such-page', ALL).status, 'not_found');
});

test('hasPermission', () => {
  assert.equal(hasPermission(null, []), true);
  assert.equal(hasPermission('users.view', ['users.view']), true);
  assert.equal(hasPermission('users.view', ['users.manage']), false);
  assert.equal(hasPermission('users.view', new Set(['users.view'])), true);
  assert.equal(hasPermission(['dicom.nodes.manage', 'monitor.view'], ['monitor.view']), true, 'a list: any one will do');
  assert.equal(hasPermission(['dicom.nodes.manage', 'monitor.view'], ['users.view']), false);
  assert.equal(hasPermission([], ['users.view']), false, 'an empty list opens nothing');
});
