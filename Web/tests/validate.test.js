import test from 'node:test';
import assert from 'node:assert/strict';
import { yuanToFen, fenToYuan, checkField, checkRecord, toInputValue, checkPasswordChange, checkAssignments, charLength, checkTokenForm } from '../lib/validate.js';

/** @param {Partial<import('../lib/validate.js').DictField>} f @returns {import('../lib/validate.js').DictField} */
const F = (f) => ({ name: 'x', label: 'X', type: 'text', ...f });

test('yuan ⇄ fen without floating-point drift', () => {
  assert.equal(yuanToFen('12'), 1200);
  assert.equal(yuanToFen('12.3'), 1230);
  assert.equal(yuanToFen('12.34'), 1234);
  assert.equal(yuanToFen('0.07'), 7);
  assert.equal(yuanToFen('19.99'), 1999); // 19.99 * 100 = 1998.9999999999998 in floating point
  assert.equal(yuanToFen(' 1,234.56 '), 123456);
  assert.equal(yuanToFen('-3.5'), -350);
  assert.equal(yuanToFen('12.'), 1200);
  assert.equal(yuanToFen('12.345'), null);
  assert.equal(yuanToFen('abc'), null);
  assert.equal(yuanToFen(''), null);
  assert.equal(yuanToFen('1e3'), null);
  assert.equal(fenToYuan(1234), '12.34');
  assert.equal(fenToYuan(7), '0.07');
  assert.equal(fenToYuan(0), '0.00');
  assert.equal(fenToYuan(-350), '-3.50');
  assert.equal(fenToYuan(null), '');
  assert.equal(fenToYuan(undefined), '');
  for (const fen of [0, 1, 99, 100, 1999, 123456, 98765432]) assert.equal(yuanToFen(fenToYuan(fen)), fen);
});

test('charLength counts Chinese characters and emoji as one', () => {
  assert.equal(charLength('市中心医院'), 5);
  assert.equal(charLength('a😀b'), 3);
});

test('required and optional empty values', () => {
  assert.deepEqual(checkField(F({ required: true }), '  '), { value: null, problem: { key: 'validation.required' } });
  assert.deepEqual(checkField(F({ required: false }), ''), { value: null, problem: null });
  assert.deepEqual(checkField(F({ type: 'ref', required: true }), ''), { value: null, problem: { key: 'validation.required' } });
});

test('text length limits', () => {
  assert.deepEqual(checkField(F({ maxLength: 5 }), '市中心医院'), { value: '市中心医院', problem: null });
  assert.deepEqual(checkField(F({ maxLength: 5 }), '市中心医院东'), { value: '市中心医院东', problem: { key: 'validation.maxLength', params: { max: 5 } } });
  assert.equal(checkField(F({}), '  trimmed ').value, 'trimmed');
  assert.equal(checkField(F({ type: 'textarea' }), '  第一行\n第二行 ').value, '  第一行\n第二行 ', 'textarea keeps its layout');
});

test('int and decimal with ranges', () => {
  assert.deepEqual(checkField(F({ type: 'int' }), '42'), { value: 42, problem: null });
  assert.equal(checkField(F({ type: 'int' }), '4.2').problem?.key, 'validation.integer');
  assert.equal(checkField(F({ type: 'int' }), '十').problem?.key, 'validation.integer');
  assert.deepEqual(checkField(F({ type: 'int', min: 1, max: 10 }), '0').problem, { key: 'validation.min', params: { min: '1' } });
  assert.deepEqual(checkField(F({ type: 'int', min: 1, max: 10 }), '11').problem, { key: 'validation.max', params: { max: '10' } });
  assert.deepEqual(checkField(F({ type: 'decimal' }), '1.25'), { value: 1.25, problem: null });
  assert.equal(checkField(F({ type: 'decimal' }), '1.2.3').problem?.key, 'validation.number');
});

test('money is entered in yuan and sent in fen; limits are in fen and shown in yuan', () => {
  assert.deepEqual(checkField(F({ type: 'money' }), '180.50'), { value: 18050, problem: null });
  assert.equal(checkField(F({ type: 'money' }), '1.234').problem?.key, 'validation.money');
  assert.deepEqual(checkField(F({ type: 'money', min: 0, max: 100000 }), '1000.01').problem, { key: 'validation.max', params: { max: '1000.00' } });
  assert.deepEqual(checkField(F({ type: 'money', min: 100 }), '0.99').problem, { key: 'validation.min', params: { min: '1.00' } });
});

test('bool, enum and ref conversion', () => {
  assert.deepEqual(checkField(F({ type: 'bool', required: true }), false), { value: false, problem: null });
  assert.deepEqual(checkField(F({ type: 'bool' }), true), { value: true, problem: null });
  const level = F({ type: 'enum', options: [{ value: 'central', label: '中心医院' }, { value: 'subordinate', label: '下级医院' }] });
  assert.deepEqual(checkField(level, 'central'), { value: 'central', problem: null });
  assert.equal(checkField(level, 'other').problem?.key, 'validation.option');
  const numbered = F({ type: 'enum', options: [{ value: 1, label: '一' }] });
  assert.deepEqual(checkField(numbered, '1'), { value: 1, problem: null }, 'numeric option values stay numbers');
  assert.deepEqual(checkField(F({ type: 'ref', ref: 'institutions' }), '12'), { value: 12, problem: null });
  assert.equal(checkField(F({ type: 'ref' }), 'abc').problem?.key, 'validation.option');
});

test('checkRecord builds the payload and collects problems per field', () => {
  const fields = [
    F({ name: 'code', required: true, maxLength: 8 }),
    F({ name: 'name', required: true }),
    F({ name: 'price', type: 'money' }),
    F({ name: 'institutionId', type: 'ref', ref: 'institutions' }),
    F({ name: 'emergency', type: 'bool' }),
  ];
  const ok = checkRecord(fields, { code: 'CT01', name: '头颅CT平扫', price: '180', institutionId: '', emergency: true });
  assert.deepEqual(ok.problems, {});
  assert.deepEqual(ok.payload, { code: 'CT01', name: '头颅CT平扫', price: 18000, institutionId: null, emergency: true });
  const bad = checkRecord(fields, { code: 'TOO-LONG-CODE', name: '', price: 'x' });
  assert.deepEqual(Object.keys(bad.problems).sort(), ['code', 'name', 'price']);
  assert.equal(bad.payload.emergency, false, 'a missing checkbox is false');
});

test('toInputValue shows money in yuan and empties for null', () => {
  assert.equal(toInputValue(F({ type: 'money' }), 18050), '180.50');
  assert.equal(toInputValue(F({ type: 'int' }), 3), '3');
  assert.equal(toInputValue(F({}), null), '');
  assert.equal(toInputValue(F({ type: 'bool' }), true), true);
  assert.equal(toInputValue(F({ type: 'bool' }), null), false);
});

test('password change form checks', () => {
  assert.deepEqual(checkPasswordChange({ currentPassword: '', newPassword: '', confirmPassword: '' }), {
    currentPassword: { key: 'validation.required' }, newPassword: { key: 'validation.required' }, confirmPassword: { key: 'validation.required' },
  });
  assert.deepEqual(checkPasswordChange({ currentPassword: 'Old#2026', newPassword: 'Old#2026', confirmPassword: 'Old#2026' }), { newPassword: { key: 'validation.passwordSame' } });
  assert.deepEqual(checkPasswordChange({ currentPassword: 'Old#2026', newPassword: 'New#2026x', confirmPassword: 'New#2026y' }), { confirmPassword: { key: 'validation.passwordMismatch' } });
  assert.deepEqual(checkPasswordChange({ currentPassword: 'Old#2026', newPassword: 'New#2026x', confirmPassword: 'New#2026x' }), {});
});

test('role assignment rows', () => {
  const row = (/** @type {Partial<import('../lib/validate.js').Assignment>} */ r) => ({ roleId: 1, allInstitutions: true, institutionIds: [], allCategories: true, categoryIds: [], ...r });
  assert.deepEqual(checkAssignments([row({}), row({ roleId: 2, allInstitutions: false, institutionIds: [3] })]), [[], []]);
  const problems = checkAssignments([
    row({ roleId: null }),
    row({ roleId: 4, allInstitutions: false, institutionIds: [] }),
    row({ roleId: 4, allCategories: false }),
  ]);
  assert.deepEqual(problems[0].map((p) => p.key), ['assign.problem.role']);
  assert.deepEqual(problems[1].map((p) => p.key), ['assign.problem.institutions']);
  assert.deepEqual(problems[2], [{ key: 'assign.problem.duplicate', params: { row: 2 } }, { key: 'assign.problem.categories' }]);
  assert.deepEqual(checkAssignments([]), []);
});

test('checkTokenForm: name required and at most 64 characters; no lifetime means no expiresInDays', () => {
  assert.deepEqual(checkTokenForm({ name: '  HIS 接口 ', lifetime: '90' }), { body: { name: 'HIS 接口', expiresInDays: 90 }, problems: {} });
  assert.deepEqual(checkTokenForm({ name: 'HIS', lifetime: '' }), { body: { name: 'HIS' }, problems: {} });
  assert.deepEqual(checkTokenForm({ name: '   ', lifetime: '30' }).problems, { name: { key: 'validation.required' } });
  assert.equal(checkTokenForm({ name: '   ', lifetime: '30' }).body, null);
  assert.deepEqual(checkTokenForm({ name: '集'.repeat(64), lifetime: '365' }).body, { name: '集'.repeat(64), expiresInDays: 365 });
  assert.deepEqual(checkTokenForm({ name: '集'.repeat(65), lifetime: '365' }).problems, { name: { key: 'validation.maxLength', params: { max: 64 } } });
  assert.deepEqual(checkTokenForm({ name: 'HIS', lifetime: 'abc' }).problems, { expiresInDays: { key: 'validation.option' } });
  assert.deepEqual(checkTokenForm({ name: 'HIS', lifetime: '0' }).problems, { expiresInDays: { key: 'validation.option' } });
});
