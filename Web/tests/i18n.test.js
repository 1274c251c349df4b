import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createTranslator, interpolate, normalizeLanguage, CATALOGS, t, setLanguage, getLanguage, acceptLanguage } from '../lib/i18n.js';
import zhCN from '../lib/i18n/zh-CN.js';
import en from '../lib/i18n/en.js';
import { NAV } from '../lib/nav.js';

const webRoot = new URL('../', import.meta.url);

/** All .js sources of the app (not the tests, not the catalogues). */
function sources() {
  /** @type {string[]} */
  const out = [];
  /** @param {URL} dir */
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const url = new URL(name, dir);
      if (statSync(url).isDirectory()) {
        if (name !== 'tests' && name !== 'i18n' && name !== 'types') walk(new URL(`${name}/`, dir));
      } else if (name.endsWith('.js')) {
        out.push(readFileSync(url, 'utf8'));
      }
    }
  };
  walk(webRoot);
  return out;
}

/** @param {string} text */
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('normalizeLanguage maps browser and stored values to a supported language', () => {
  assert.equal(normalizeLanguage('en'), 'en');
  assert.equal(normalizeLanguage('en-US'), 'en');
  assert.equal(normalizeLanguage('EN-gb'), 'en');
  assert.equal(normalizeLanguage('zh-CN'), 'zh-CN');
  assert.equal(normalizeLanguage('zh'), 'zh-CN');
  assert.equal(normalizeLanguage(''), 'zh-CN');
  assert.equal(normalizeLanguage(null), 'zh-CN');
  assert.equal(normalizeLanguage('fr'), 'zh-CN');
});

test('interpolate fills placeholders and leaves unknown ones visible', () => {
  assert.equal(interpolate('共 {n} 条', { n: 42 }), '共 42 条');
  assert.equal(interpolate('{a}-{b}-{a}', { a: 'x', b: 0 }), 'x-0-x');
  assert.equal(interpolate('{missing} left', {}), '{missing} left');
  assert.equal(interpolate('no params', undefined), 'no params');
});

test('translator falls back to Chinese, then to the key', () => {
  const tr = createTranslator({ 'zh-CN': { a: '甲', b: '乙 {n}' }, en: { a: 'A' } }, 'en');
  assert.equal(tr('a'), 'A');
  assert.equal(tr('b', { n: 2 }), '乙 2');
  assert.equal(tr('nope'), 'nope');
  const zh = createTranslator({ 'zh-CN': { a: '甲' }, en: { a: 'A' } }, 'zh-CN');
  assert.equal(zh('a'), '甲');
});

test('setLanguage switches t() and the Accept-Language value', () => {
  setLanguage('en');
  assert.equal(getLanguage(), 'en');
  assert.equal(t('auth.logout'), 'Sign out');
  assert.match(acceptLanguage(), /^en/);
  setLanguage('zh-CN');
  assert.equal(t('auth.logout'), '退出登录');
  assert.match(acceptLanguage(), /^zh-CN/);
});

test('Chinese and English catalogues have exactly the same keys', () => {
  const zhKeys = Object.keys(zhCN).sort();
  const enKeys = Object.keys(en).sort();
  assert.deepEqual(zhKeys.filter((k) => !(k in en)), [], 'keys missing in en.js');
  assert.deepEqual(enKeys.filter((k) => !(k in zhCN)), [], 'keys missing in zh-CN.js');
  assert.equal(CATALOGS['zh-CN'], zhCN);
});

test('every text is non-empty and both languages use the same placeholders', () => {
  for (const [key, value] of Object.entries(zhCN)) {
    assert.ok(typeof value === 'string' && value.trim(), `zh-CN ${key} is empty`);
    assert.ok(typeof en[key] === 'string' && en[key].trim(), `en ${key} is empty`);
    assert.deepEqual(placeholders(en[key]), placeholders(value), `placeholders differ for ${key}`);
  }
});

test('every key the app uses exists in the catalogue', () => {
  const used = new Set();
  for (const src of sources()) {
    for (const m of src.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]);
    for (const m of src.matchAll(/(?:labelKey|descKey|titleKey|key): '([a-z][\w.]*\.[\w.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100, `expected to find many keys, found ${used.size}`);
  const missing = [...used].filter((k) => !(k in zhCN));
  assert.deepEqual(missing, []);
});

test('the wording the hospital asked for is used', () => {
  const expected = {
    'login.submit': '登录', 'login.username': '用户名', 'login.password': '密码', 'auth.logout': '退出登录',
    'password.title': '修改密码', 'nav.users': '用户管理', 'nav.roles': '角色与权限', 'nav.dict': '数据字典',
    'nav.security': '安全策略', 'nav.audit': '审计日志', 'common.edit': '编辑', 'common.delete': '删除',
    'common.disable': '停用', 'common.enable': '启用', 'common.save': '保存', 'common.cancel': '取消',
    'common.query': '查询', 'common.reset': '重置', 'common.exportExcel': '导出Excel', 'common.importExcel': '导入Excel',
    'pager.prev': '上一页', 'pager.next': '下一页', 'common.empty': '暂无数据', 'login.invalid': '用户名或密码错误',
    'planned.title': '该模块尚未开放', 'status.forbidden.title': '无权访问',
  };
  for (const [key, text] of Object.entries(expected)) assert.equal(zhCN[key], text, key);
  assert.equal(interpolate(zhCN['pager.total'], { n: 5 }), '共 5 条');
});

test('every navigation entry has a label (and a description for modules not yet built)', () => {
  for (const group of NAV) {
    if (group.labelKey) assert.ok(group.labelKey in zhCN, group.labelKey);
    for (const item of group.items) {
      assert.ok(item.labelKey in zhCN && item.labelKey in en, item.labelKey);
      if (item.planned) assert.ok(item.descKey && item.descKey in zhCN, `${item.id} needs a description`);
    }
  }
});

test('texts looked up by computed keys exist (security policy fields, audit outcomes)', async () => {
  const { POLICY_GROUPS } = await import('../views/security.js');
  const { OUTCOMES } = await import('../views/audit.js');
  for (const group of POLICY_GROUPS) {
    assert.ok(group.titleKey in zhCN, group.titleKey);
    for (const [name, , , unit] of group.fields) {
      for (const key of [`security.${name}`, `security.${name}.hint`, unit]) assert.ok(key in zhCN && key in en, key);
    }
  }
  const names = POLICY_GROUPS.flatMap((g) => g.fields.map((f) => f[0])).sort();
  assert.deepEqual(names, ['historyCount', 'lockoutMinutes', 'lockoutThreshold', 'maxAgeDays', 'minClasses', 'minLength', 'sessionAbsoluteHours', 'sessionIdleMinutes']);
  for (const [, key] of OUTCOMES) assert.ok(key in zhCN && key in en, key);
});

test('every known audit action has a name in both languages', async () => {
  const { KNOWN_ACTIONS } = await import('../views/audit.js');
  assert.ok(KNOWN_ACTIONS.includes('auth.login'));
  for (const code of KNOWN_ACTIONS) {
    const key = `audit.act.${code}`;
    assert.ok(key in zhCN && key in en, key);
  }
});

test('every audit action area has a name, in both languages', async () => {
  const { KNOWN_ACTIONS } = await import('../views/audit.js');
  const { actionGroups } = await import('../lib/audit-text.js');
  for (const g of actionGroups(KNOWN_ACTIONS)) {
    const key = `audit.area.${g.prefix.slice(0, -1)}`;
    assert.ok(key in zhCN && key in en, key);
  }
});

test('no stale texts: every catalogue key is used by the app', () => {
  const text = sources().join('\n');
  // Keys built at run time: `audit.act.${code}`, `security.${field}` / `security.${field}.hint`, and the
  // audit texts looked up by code (lib/audit-text.js: areas, object types, notes, error codes, built-in roles,
  // dictionary kinds), and the DICOM words looked up by code (lib/dicom.js: services, status kinds, operations,
  // directions, duplicate policies).
  const dynamic = [/^audit\.(act|area|obj|note|code)\./, /^role\./, /^dict\.kind\./, /^dicom\.(service|kind|op|dir|dirHint|dup|dupHint)\./, /^security\.(minLength|minClasses|maxAgeDays|historyCount|lockoutThreshold|lockoutMinutes|sessionIdleMinutes|sessionAbsoluteHours)(\.hint)?$/];
  const unused = Object.keys(zhCN).filter((key) => !text.includes(`'${key}'`) && !dynamic.some((re) => re.test(key)));
  assert.deepEqual(unused, []);
});
