import test from 'node:test';
import assert from 'node:assert/strict';
import { createApiClient, ApiError, buildQuery, errorFromResponse, fieldMessages, splitFieldErrors } from '../lib/api.js';

/**
 * A fake fetch that records calls and answers from a queue.
 * @param {(url: string, init: RequestInit) => Response | Promise<Response>} answer
 */
function fakeFetch(answer) {
  /** @type {{url: string, init: RequestInit, headers: Record<string, string>}[]} */
  const calls = [];
  /** @type {typeof fetch} */
  const impl = async (input, init = {}) => {
    const headers = /** @type {Record<string, string>} */ (init.headers || {});
    calls.push({ url: String(input), init, headers });
    return answer(String(input), init);
  };
  return { impl, calls };
}

/** @param {number} status @param {unknown} body */
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** @param {Partial<Parameters<typeof createApiClient>[0]>} [extra] @param {(url: string, init: RequestInit) => Response | Promise<Response>} [answer] */
function client(answer = () => json(200, { ok: true }), extra = {}) {
  const f = fakeFetch(answer);
  const events = { unauthenticated: 0, passwordChange: 0 };
  const api = createApiClient({
    fetchImpl: f.impl,
    acceptLanguage: () => 'en',
    translate: (key, params) => `${key}${params ? JSON.stringify(params) : ''}`,
    onUnauthenticated: () => events.unauthenticated++,
    onPasswordChangeRequired: () => events.passwordChange++,
    ...extra,
  });
  return { api, calls: f.calls, events };
}

test('GET sends Accept-Language and same-origin credentials, and no CSRF header', async () => {
  const { api, calls } = client();
  api.setCsrfToken('tok-1');
  const data = await api.get('/api/users', { q: '张', page: 2, institutionId: '' });
  assert.deepEqual(data, { ok: true });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, '/api/users?q=%E5%BC%A0&page=2');
  assert.equal(calls[0].init.method, 'GET');
  assert.equal(calls[0].init.credentials, 'same-origin');
  assert.equal(calls[0].headers['Accept-Language'], 'en');
  assert.equal(calls[0].headers['X-CSRF-Token'], undefined);
  assert.equal(calls[0].init.body, undefined);
});

test('POST, PUT and DELETE carry the CSRF token and JSON body', async () => {
  const { api, calls } = client();
  api.setCsrfToken('tok-2');
  await api.post('/api/roles', { code: 'x', permissions: ['users.view'] });
  await api.put('/api/roles/3', { name: '甲' });
  await api.del('/api/roles/3');
  assert.deepEqual(calls.map((c) => c.init.method), ['POST', 'PUT', 'DELETE']);
  for (const c of calls) assert.equal(c.headers['X-CSRF-Token'], 'tok-2');
  assert.equal(calls[0].headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(String(calls[0].init.body)), { code: 'x', permissions: ['users.view'] });
  assert.equal(calls[2].init.body, undefined);
});

test('no CSRF header before a token is known', async () => {
  const { api, calls } = client();
  await api.post('/api/auth/login', { username: 'a', password: 'b' });
  assert.equal(calls[0].headers['X-CSRF-Token'], undefined);
  api.setCsrfToken('t');
  assert.equal(api.getCsrfToken(), 't');
  api.setCsrfToken(null);
  await api.post('/api/auth/logout');
  assert.equal(calls[1].headers['X-CSRF-Token'], undefined);
});

test('raw uploads keep their content type', async () => {
  const { api, calls } = client(() => new Response(null, { status: 204 }));
  const blob = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
  const answer = await api.request('PUT', '/api/users/5/signature', { raw: blob });
  assert.equal(answer, null);
  assert.equal(calls[0].headers['Content-Type'], 'image/png');
  assert.equal(calls[0].init.body, blob);
  const xlsx = new Blob(['PK']);
  await api.request('POST', '/api/dictionaries/body-parts/import', { raw: xlsx, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  assert.equal(calls[1].headers['Content-Type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
});

test('error bodies become ApiError with code, message and fields', async () => {
  const body = { error: { code: 'validation_failed', message: '请检查输入', fields: [{ field: 'code', code: 'duplicate', message: '编码已存在' }, { field: 'name', code: 'required', message: '必填' }] } };
  const { api, events } = client(() => json(422, body));
  await assert.rejects(api.post('/api/dictionaries/institutions', {}), (/** @type {any} */ err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 422);
    assert.equal(err.code, 'validation_failed');
    assert.equal(err.message, '请检查输入');
    assert.deepEqual(err.fields.map((/** @type {any} */ f) => f.field), ['code', 'name']);
    assert.deepEqual(fieldMessages(err), { code: '编码已存在', name: '必填' });
    return true;
  });
  assert.deepEqual(events, { unauthenticated: 0, passwordChange: 0 });
});

test('409 in_use keeps the server message', async () => {
  const { api } = client(() => json(409, { error: { code: 'in_use', message: '该机构仍被 3 个科室引用' } }));
  await assert.rejects(api.del('/api/dictionaries/institutions/1'), { name: 'ApiError', code: 'in_use', message: '该机构仍被 3 个科室引用', status: 409 });
});

test('401 calls the unauthenticated handler, unless the caller handles it (login form)', async () => {
  const { api, events } = client(() => json(401, { error: { code: 'unauthenticated', message: '请先登录' } }));
  await assert.rejects(api.get('/api/me'), { code: 'unauthenticated' });
  assert.equal(events.unauthenticated, 1);
  await assert.rejects(api.request('POST', '/api/auth/login', { json: {}, handleAuth: false }), { code: 'unauthenticated' });
  assert.equal(events.unauthenticated, 1);
});

test('invalid credentials on the login call do not trigger the session handler', async () => {
  const { api, events } = client(() => json(401, { error: { code: 'invalid_credentials', message: '用户名或密码错误' } }));
  await assert.rejects(api.request('POST', '/api/auth/login', { json: { username: 'a', password: 'b' }, handleAuth: false }), { code: 'invalid_credentials', status: 401 });
  assert.equal(events.unauthenticated, 0);
});

test('403 password_change_required forces the password change; plain 403 does not', async () => {
  let code = 'password_change_required';
  const { api, events } = client(() => json(403, { error: { code, message: 'm' } }));
  await assert.rejects(api.get('/api/users'), { code: 'password_change_required' });
  assert.equal(events.passwordChange, 1);
  code = 'forbidden';
  await assert.rejects(api.get('/api/users'), { code: 'forbidden', status: 403 });
  assert.equal(events.passwordChange, 1);
  assert.equal(events.unauthenticated, 0);
});

test('a non-JSON error page still gives a usable ApiError', async () => {
  const { api } = client(() => new Response('<html>Bad Gateway</html>', { status: 502 }));
  await assert.rejects(api.get('/api/roles'), (/** @type {any} */ err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'internal');
    assert.equal(err.message, 'error.http{"status":502}');
    assert.deepEqual(err.fields, []);
    return true;
  });
  const { api: api2 } = client(() => new Response('', { status: 404 }));
  await assert.rejects(api2.get('/api/x'), { code: 'http_error', status: 404 });
});

test('a network failure becomes network_error; an abort stays an abort', async () => {
  const { api } = client(() => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(api.get('/api/me'), { code: 'network_error', status: 0, message: 'error.network' });
  const { api: api2 } = client(() => {
    throw new DOMException('aborted', 'AbortError');
  });
  await assert.rejects(api2.get('/api/me'), { name: 'AbortError' });
});

test('204 and empty success bodies answer null', async () => {
  const { api } = client(() => new Response(null, { status: 204 }));
  assert.equal(await api.post('/api/users/1/unlock'), null);
});

test('buildQuery leaves out empty values and repeats arrays', () => {
  assert.equal(buildQuery(undefined), '');
  assert.equal(buildQuery({}), '');
  assert.equal(buildQuery({ a: '', b: null, c: undefined }), '');
  assert.equal(buildQuery({ q: 'a b', page: 1, active: false }), '?q=a+b&page=1&active=false');
  assert.equal(buildQuery({ id: [1, 2] }), '?id=1&id=2');
});

test('errorFromResponse ignores malformed field entries', () => {
  const err = errorFromResponse(422, { error: { code: 'validation_failed', message: 'x', fields: [null, 'bad', { field: 'a', message: 'm', row: 3 }] } }, (k) => k);
  assert.deepEqual(err.fields, [{ field: 'a', code: '', message: 'm', row: 3 }]);
  const noMessage = errorFromResponse(400, { error: { code: 'bad_request' } }, (k) => k);
  assert.equal(noMessage.message, 'error.http');
  assert.deepEqual(fieldMessages(new Error('plain')), {});
});

test('splitFieldErrors puts field messages inline and does not repeat the overall message', () => {
  const shown = (/** @type {string} */ name) => ['username', 'displayName'].includes(name);
  const dup = new ApiError(409, 'duplicate', '用户名“chief”已被使用', [{ field: 'username', code: 'duplicate', message: '用户名已被使用' }]);
  assert.deepEqual(splitFieldErrors(dup, shown), { inline: { username: '用户名已被使用' }, alert: '' });

  const mixed = new ApiError(422, 'validation_failed', '填写有误', [
    { field: 'username', code: 'required', message: '必填' },
    { field: 'username', code: 'format', message: '格式不对' },
    { field: 'secret', code: 'x', message: '隐藏字段有误' },
  ]);
  assert.deepEqual(splitFieldErrors(mixed, shown), { inline: { username: '必填' }, alert: '隐藏字段有误' }, 'first message per field; fields the form lacks go to the alert');

  const nowhere = new ApiError(422, 'validation_failed', '填写有误', [{ field: 'secret', code: 'x', message: '隐藏字段有误' }]);
  assert.deepEqual(splitFieldErrors(nowhere, shown), { inline: {}, alert: '填写有误 隐藏字段有误' }, 'nothing placed: the overall message leads');

  const same = new ApiError(422, 'validation_failed', '密码太短', [{ field: 'other', code: 'x', message: '密码太短' }]);
  assert.equal(splitFieldErrors(same, shown).alert, '密码太短', 'said once');

  assert.deepEqual(splitFieldErrors(new Error('boom'), shown), { inline: {}, alert: 'boom' });
});

test('a FormData body goes as it is, with the CSRF token and no Content-Type of ours (the boundary is the browser’s)', async () => {
  const { api, calls } = client(() => json(201, { studyUID: '1.2' }));
  api.setCsrfToken('tok-f');
  const form = new FormData();
  form.append('patientId', 'P1');
  form.append('file', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'a.pdf');
  const data = await api.request('POST', '/api/archive/convert', { form });
  assert.deepEqual(data, { studyUID: '1.2' });
  assert.equal(calls[0].init.body, form);
  assert.equal(calls[0].headers['X-CSRF-Token'], 'tok-f');
  assert.equal(calls[0].headers['Content-Type'], undefined);
  assert.equal(calls[0].headers.Accept, 'application/json');
});

test('a failed answer keeps its body for endpoints that explain failures in their own shape', async () => {
  const outcome = { studyUID: '1.2', seriesUID: '1.3', items: [{ filename: 'x.png', ok: false, message: '图片无法读取' }] };
  const { api } = client(() => json(422, outcome));
  await assert.rejects(api.request('POST', '/api/archive/convert', { form: new FormData() }), (/** @type {any} */ err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 422);
    assert.deepEqual(err.body, outcome);
    assert.deepEqual(err.fields, []);
    return true;
  });
  assert.equal(new ApiError(400, 'x', 'y').body, null);
});

test('with onUploadProgress the request goes through XMLHttpRequest and reports the bytes sent', async () => {
  /** @type {any[]} */
  const made = [];
  class FakeXHR {
    constructor() {
      /** @type {Record<string, string>} */
      this.headers = {};
      /** @type {{onprogress: any}} */
      this.upload = { onprogress: null };
      /** @type {any} */ this.onload = null;
      /** @type {any} */ this.onerror = null;
      /** @type {any} */ this.onabort = null;
      this.status = 0;
      this.responseText = '';
      made.push(this);
    }
    /** @param {string} method @param {string} url */
    open(method, url) {
      this.method = method;
      this.url = url;
    }
    /** @param {string} k @param {string} v */
    setRequestHeader(k, v) {
      this.headers[k] = v;
    }
    /** @param {unknown} body */
    send(body) {
      this.body = body;
      this.upload.onprogress({ loaded: 50, total: 100, lengthComputable: true });
      this.upload.onprogress({ loaded: 100, total: 100, lengthComputable: true });
      this.status = 201;
      this.responseText = JSON.stringify({ ok: 1 });
      this.onload();
    }
    abort() {
      this.onabort?.();
    }
  }
  const saved = /** @type {any} */ (globalThis).XMLHttpRequest;
  /** @type {any} */ (globalThis).XMLHttpRequest = FakeXHR;
  try {
    const { api, calls } = client();
    api.setCsrfToken('tok-x');
    const form = new FormData();
    /** @type {{loaded: number, total: number}[]} */
    const seen = [];
    const data = await api.request('POST', '/api/archive/convert', { form, onUploadProgress: (p) => seen.push(p) });
    assert.deepEqual(data, { ok: 1 });
    assert.equal(calls.length, 0, 'fetch is not used');
    assert.equal(made[0].method, 'POST');
    assert.equal(made[0].url, '/api/archive/convert');
    assert.equal(made[0].body, form);
    assert.equal(made[0].headers['X-CSRF-Token'], 'tok-x');
    assert.equal(made[0].headers['Accept-Language'], 'en');
    assert.equal(made[0].headers['Content-Type'], undefined);
    assert.deepEqual(seen, [{ loaded: 50, total: 100 }, { loaded: 100, total: 100 }]);

    // Errors come back as ApiError like any other answer.
    FakeXHR.prototype.send = function () {
      this.status = 413;
      this.responseText = JSON.stringify({ error: { code: 'payload_too_large', message: '单个文件不能超过 200 MB' } });
      this.onload();
    };
    await assert.rejects(api.request('POST', '/x', { form, onUploadProgress: () => {} }), (/** @type {any} */ err) => err.status === 413 && err.message === '单个文件不能超过 200 MB');
    FakeXHR.prototype.send = function () {
      this.onerror();
    };
    await assert.rejects(api.request('POST', '/x', { form, onUploadProgress: () => {} }), (/** @type {any} */ err) => err.code === 'network_error');
    // Aborting the signal aborts the upload.
    FakeXHR.prototype.send = function () {};
    const controller = new AbortController();
    const pending = api.request('POST', '/x', { form, onUploadProgress: () => {}, signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, (/** @type {any} */ err) => err.name === 'AbortError');
  } finally {
    /** @type {any} */ (globalThis).XMLHttpRequest = saved;
  }
});
