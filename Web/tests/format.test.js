import test from 'node:test';
import assert from 'node:assert/strict';
import { formatDateTime, localInputToIso, joinNames } from '../lib/format.js';

test('formatDateTime shows local time as YYYY-MM-DD HH:mm', () => {
  const d = new Date(2026, 10, 29, 8, 5, 9); // local time
  assert.equal(formatDateTime(d.toISOString()), '2026-11-29 08:05');
  assert.equal(formatDateTime(d.toISOString(), { seconds: true }), '2026-11-29 08:05:09');
  assert.equal(formatDateTime(null), '');
  assert.equal(formatDateTime(''), '');
  assert.equal(formatDateTime('not a date'), '');
});

test('localInputToIso converts datetime-local values to UTC ISO', () => {
  const iso = localInputToIso('2026-11-29T08:30');
  assert.equal(iso, new Date(2026, 10, 29, 8, 30, 0).toISOString());
  assert.equal(formatDateTime(iso), '2026-11-29 08:30', 'round trip');
  assert.equal(localInputToIso('2026-11-29T08:30:15'), new Date(2026, 10, 29, 8, 30, 15).toISOString());
  assert.equal(localInputToIso('2026-11-29T08:30', { endOfMinute: true }), new Date(2026, 10, 29, 8, 30, 59, 999).toISOString(), 'the end of a range includes its whole minute');
  assert.equal(localInputToIso('2026-11-29T08:30:15', { endOfMinute: true }), new Date(2026, 10, 29, 8, 30, 15).toISOString(), 'explicit seconds are kept');
  assert.equal(localInputToIso(''), null);
  assert.equal(localInputToIso('2026-11-29'), null);
});

test('joinNames handles strings, objects and missing lists', () => {
  assert.equal(joinNames(['登记员', '技师'], '、'), '登记员、技师');
  assert.equal(joinNames([{ code: 'a', name: '甲' }, { code: 'b' }], ','), '甲,b');
  assert.equal(joinNames('system_admin', ','), 'system_admin');
  assert.equal(joinNames('system_admin,security_admin', '、'), 'system_admin、security_admin', 'the audit log sends roles comma-separated');
  assert.equal(joinNames(null, ','), '');
});
