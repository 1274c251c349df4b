import test from 'node:test';
import assert from 'node:assert/strict';
import { passwordRulesText } from '../lib/password-rules.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const en = createTranslator(CATALOGS, 'en');
const DEFAULT = { minLength: 8, minClasses: 3, historyCount: 5, maxAgeDays: 90 };

test('the default policy reads as one Chinese sentence', () => {
  assert.equal(passwordRulesText(zh, DEFAULT), '密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少 3 类，不能与最近 5 次使用过的密码相同，不能包含用户名；每 90 天须更换一次。');
});

test('the default policy in English', () => {
  assert.equal(
    passwordRulesText(en, DEFAULT),
    'Use at least 8 characters, including at least 3 of upper-case letters, lower-case letters, digits and symbols; do not reuse any of your last 5 passwords or include your user name. The password must be changed every 90 days.',
  );
});

test('no history and no expiry leave their parts out', () => {
  const policy = { minLength: 10, minClasses: 2, historyCount: 0, maxAgeDays: 0 };
  assert.equal(passwordRulesText(zh, policy), '密码至少 10 位，须包含大写字母、小写字母、数字、符号中的至少 2 类，不能包含用户名。');
  assert.equal(passwordRulesText(en, policy), 'Use at least 10 characters, including at least 2 of upper-case letters, lower-case letters, digits and symbols; do not include your user name.');
  assert.equal(passwordRulesText(zh, { ...policy, maxAgeDays: 30 }), '密码至少 10 位，须包含大写字母、小写字母、数字、符号中的至少 2 类，不能包含用户名；每 30 天须更换一次。');
  assert.equal(passwordRulesText(zh, { ...policy, historyCount: 3 }), '密码至少 10 位，须包含大写字母、小写字母、数字、符号中的至少 2 类，不能与最近 3 次使用过的密码相同，不能包含用户名。');
});

test('all four classes, a single class, and a history of one', () => {
  assert.equal(passwordRulesText(zh, { ...DEFAULT, minClasses: 4 }), '密码至少 8 位，须同时包含大写字母、小写字母、数字和符号，不能与最近 5 次使用过的密码相同，不能包含用户名；每 90 天须更换一次。');
  assert.equal(passwordRulesText(en, { ...DEFAULT, minClasses: 4, historyCount: 0, maxAgeDays: 0 }), 'Use at least 8 characters, including upper-case letters, lower-case letters, digits and symbols; do not include your user name.');
  // Any password has at least one class: nothing to say about classes.
  assert.equal(passwordRulesText(zh, { ...DEFAULT, minClasses: 1, historyCount: 0, maxAgeDays: 0 }), '密码至少 8 位，不能包含用户名。');
  // The history holds the current password, so a history of one only rules out keeping it.
  assert.equal(passwordRulesText(zh, { ...DEFAULT, historyCount: 1, maxAgeDays: 0 }), '密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少 3 类，不能与当前密码相同，不能包含用户名。');
  assert.equal(passwordRulesText(en, { ...DEFAULT, historyCount: 1, maxAgeDays: 0 }), 'Use at least 8 characters, including at least 3 of upper-case letters, lower-case letters, digits and symbols; do not reuse your current password or include your user name.');
});

test('a missing or odd policy', () => {
  assert.equal(passwordRulesText(zh, undefined), '', 'older servers send no policy: the page shows its general hint');
  assert.equal(passwordRulesText(zh, null), '');
  assert.equal(passwordRulesText(zh, { minLength: 8 }), '密码至少 8 位，不能包含用户名。', 'missing numbers count as 0');
  assert.equal(passwordRulesText(zh, { minLength: 0, minClasses: 0, historyCount: 0, maxAgeDays: 0 }), '密码不能包含用户名。');
  assert.equal(passwordRulesText(en, { minLength: 0, minClasses: 0, historyCount: 0, maxAgeDays: 0 }), 'In a new password, do not include your user name.');
  assert.equal(passwordRulesText(zh, { minLength: 8, minClasses: 9, historyCount: -1, maxAgeDays: Number.NaN }), '密码至少 8 位，须同时包含大写字母、小写字母、数字和符号，不能包含用户名。');
});
