// 申请单扫描件 (lib/order-scans.js): which files go up, the multipart body, and the server's refusals in words.
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkScanFiles, isScanFile, scanFormData, scanUploadProblem, uploadPercent, scanUrl, orderScansUrl, SCAN_MAX_BYTES, SCAN_MAX_PER_ORDER, SCAN_ACCEPT } from '../lib/order-scans.js';
import { ApiError } from '../lib/api.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');

test('JPG and PNG only, by type or (without one) by name', () => {
  assert.equal(SCAN_ACCEPT, 'image/jpeg,image/png');
  assert.ok(isScanFile({ name: 'a.bin', type: 'image/jpeg' }));
  assert.ok(isScanFile({ name: 'scan.PNG', type: '' }));
  assert.ok(isScanFile({ name: 'photo.jpeg' }));
  assert.ok(!isScanFile({ name: 'order.pdf', type: 'application/pdf' }));
  assert.ok(!isScanFile({ name: 'x.heic', type: 'image/heic' }));
});

test('files that cannot go stay behind with the reason, named', () => {
  const files = [
    { name: 'a.jpg', size: 1000, type: 'image/jpeg' },
    { name: 'b.pdf', size: 10, type: 'application/pdf' },
    { name: 'big.png', size: SCAN_MAX_BYTES + 1, type: 'image/png' },
    { name: 'c.png', size: 10, type: 'image/png' },
  ];
  const { accepted, problems } = checkScanFiles(files, 0);
  assert.deepEqual(accepted.map((f) => f.name), ['a.jpg', 'c.png']);
  assert.deepEqual(problems.map((p) => zh(p.key, p.params)), ['不是 JPG 或 PNG 图片，未添加：b.pdf', '超过 20 MB，未添加：big.png']);
  const full = checkScanFiles([{ name: 'x.jpg', size: 1, type: 'image/jpeg' }, { name: 'y.jpg', size: 1, type: 'image/jpeg' }], SCAN_MAX_PER_ORDER - 1);
  assert.deepEqual(full.accepted.map((f) => f.name), ['x.jpg']);
  assert.equal(zh(full.problems[0].key, full.problems[0].params), '每张申请单最多 20 个扫描件，未添加：y.jpg');
});

test('the multipart body has one file part per picture', () => {
  const a = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'a.jpg', { type: 'image/jpeg' });
  const b = new File([new Uint8Array([0x89, 0x50])], 'b.png', { type: 'image/png' });
  const form = scanFormData([a, b]);
  const parts = /** @type {File[]} */ (form.getAll('file'));
  assert.deepEqual(parts.map((f) => f.name), ['a.jpg', 'b.png']);
});

test('the server’s refusals in Chinese: 415, 413, 409; others keep the server’s message', () => {
  const say = (/** @type {number} */ status) => {
    const p = scanUploadProblem(new ApiError(status, 'x', 'server text'));
    return p ? zh(p.key, p.params) : null;
  };
  assert.equal(say(415), '服务器拒收：申请单扫描件只能是 JPG 或 PNG 图片');
  assert.equal(say(413), '服务器拒收：单个扫描件不能超过 20 MB');
  assert.equal(say(409), '服务器拒收：每张申请单最多保存 20 个扫描件');
  assert.equal(say(500), null);
  assert.equal(scanUploadProblem(new Error('x')), null);
});

test('urls and progress', () => {
  assert.equal(scanUrl(7), '/api/scheduling/documents/7');
  assert.equal(orderScansUrl(3), '/api/scheduling/orders/3/documents');
  assert.equal(uploadPercent(50, 200), 25);
  assert.equal(uploadPercent(5, 0), 0);
  assert.equal(uploadPercent(300, 200), 100);
});
