// HTTP client for the Yunying API (docs/api.md). JSON in and out, same-origin cookies,
// X-CSRF-Token on unsafe methods, Accept-Language, and one error type for every failure.

/** @typedef {{field: string, code: string, message: string, row?: number}} FieldError */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the request never got an answer)
   * @param {string} code machine code from the server, e.g. "validation_failed"
   * @param {string} message human text (already in the requested language)
   * @param {FieldError[]} [fields] per-field validation errors
   * @param {unknown} [body] the parsed answer, for the few endpoints that explain a failure in their own shape
   *   (POST /api/archive/convert answers 422 with the outcome of each file)
   */
  constructor(status, code, message, fields, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || [];
    /** @type {unknown} */
    this.body = body ?? null;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Build "?a=1&b=x" from params, leaving out empty values ('' / null / undefined).
 * Arrays repeat the key.
 * @param {Record<string, unknown> | undefined} params
 */
export function buildQuery(params) {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const v of value) search.append(key, String(v));
    } else {
      search.append(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Turn an error response into an ApiError. Accepts the documented
 * `{"error":{code,message,fields}}` body and survives anything else (proxy HTML pages, empty bodies).
 * @param {number} status
 * @param {unknown} body parsed JSON or null
 * @param {(key: string, params?: Record<string, string | number>) => string} translate
 */
export function errorFromResponse(status, body, translate) {
  const err = body && typeof body === 'object' ? /** @type {any} */ (body).error : null;
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    const fields = Array.isArray(err.fields)
      ? err.fields
          .filter((/** @type {any} */ f) => f && typeof f === 'object')
          .map((/** @type {any} */ f) => ({
            field: String(f.field ?? ''),
            code: String(f.code ?? ''),
            message: String(f.message ?? ''),
            ...(typeof f.row === 'number' ? { row: f.row } : {}),
          }))
      : [];
    const message = typeof err.message === 'string' && err.message ? err.message : translate('error.http', { status });
    return new ApiError(status, err.code, message, fields);
  }
  return new ApiError(status, status >= 500 ? 'internal' : 'http_error', translate('error.http', { status }));
}

/**
 * Map `fields` errors to `{fieldName: message}` (first message per field wins).
 * @param {ApiError | unknown} error
 * @returns {Record<string, string>}
 */
export function fieldMessages(error) {
  /** @type {Record<string, string>} */
  const out = {};
  if (error instanceof ApiError) {
    for (const f of error.fields) {
      if (f.field && !(f.field in out)) out[f.field] = f.message;
    }
  }
  return out;
}

/**
 * Split a validation error for a form: the first message of each field the form shows goes under that field;
 * the form's alert box gets the messages of fields it does not show. The overall message is only shown when
 * nothing could be placed under a field (it usually repeats a field message in other words, e.g.
 * 用户名“chief”已被使用 beside 用户名已被使用).
 * @param {ApiError | unknown} error
 * @param {(field: string) => boolean} hasField
 * @returns {{inline: Record<string, string>, alert: string}}
 */
export function splitFieldErrors(error, hasField) {
  /** @type {Record<string, string>} */
  const inline = {};
  if (!(error instanceof ApiError)) return { inline, alert: error instanceof Error && error.message ? error.message : '' };
  /** @type {string[]} */
  const unplaced = [];
  for (const f of error.fields) {
    if (f.field && hasField(f.field)) {
      if (!(f.field in inline)) inline[f.field] = f.message;
    } else if (f.message && !unplaced.includes(f.message)) {
      unplaced.push(f.message);
    }
  }
  const parts = Object.keys(inline).length ? unplaced : [error.message, ...unplaced.filter((m) => m !== error.message)];
  return { inline, alert: parts.filter(Boolean).join(' ') };
}

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, unknown>} [query]
 * @property {unknown} [json] body sent as JSON
 * @property {Blob} [raw] body sent as-is (file uploads)
 * @property {string} [contentType] content type of `raw`
 * @property {FormData} [form] body sent as multipart/form-data (the browser writes the boundary into Content-Type)
 * @property {(progress: {loaded: number, total: number}) => void} [onUploadProgress] sent through XMLHttpRequest,
 *   which reports how much of the body has gone (fetch cannot); `total` is 0 when unknown
 * @property {AbortSignal} [signal]
 * @property {boolean} [handleAuth] false: do not run the 401 / password-change handlers (login form)
 */

/**
 * @typedef {object} ClientOptions
 * @property {typeof fetch} [fetchImpl]
 * @property {() => string} [acceptLanguage]
 * @property {(key: string, params?: Record<string, string | number>) => string} [translate]
 * @property {(error: ApiError) => void} [onUnauthenticated] called on any 401 (session missing or expired)
 * @property {(error: ApiError) => void} [onPasswordChangeRequired] called on 403 password_change_required
 */

/** @param {ClientOptions} [options] */
export function createApiClient(options = {}) {
  const fetchImpl = options.fetchImpl || ((input, init) => fetch(input, init));
  const translate = options.translate || ((key) => key);
  /** @type {string | null} */
  let csrfToken = null;

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [opts]
   * @returns {Promise<any>}
   */
  async function request(method, path, opts = {}) {
    const upper = method.toUpperCase();
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    if (options.acceptLanguage) headers['Accept-Language'] = options.acceptLanguage();
    if (UNSAFE_METHODS.has(upper) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
    /** @type {BodyInit | undefined} */
    let body;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['Content-Type'] = opts.contentType || opts.raw.type || 'application/octet-stream';
    } else if (opts.form !== undefined) {
      body = opts.form;
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['Content-Type'] = 'application/json';
    }
    const url = path + buildQuery(opts.query);

    /** @type {Response} */
    let response;
    try {
      const init = { method: upper, headers, body, credentials: /** @type {RequestCredentials} */ ('same-origin'), signal: opts.signal };
      response = opts.onUploadProgress ? await xhrFetch(url, init, opts.onUploadProgress) : await fetchImpl(url, init);
    } catch (cause) {
      if (cause && typeof cause === 'object' && /** @type {any} */ (cause).name === 'AbortError') throw cause;
      throw new ApiError(0, 'network_error', translate('error.network'));
    }

    const text = response.status === 204 ? '' : await response.text();
    /** @type {unknown} */
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (response.ok) return data;

    const error = errorFromResponse(response.status, data, translate);
    error.body = data;
    if (opts.handleAuth !== false) {
      if (response.status === 401) options.onUnauthenticated?.(error);
      else if (response.status === 403 && error.code === 'password_change_required') options.onPasswordChangeRequired?.(error);
    }
    throw error;
  }

  return {
    request,
    /** @param {string | null} token */
    setCsrfToken(token) {
      csrfToken = token;
    },
    getCsrfToken() {
      return csrfToken;
    },
    /** @param {string} path @param {Record<string, unknown>} [query] @param {AbortSignal} [signal] */
    get: (path, query, signal) => request('GET', path, { query, signal }),
    /** @param {string} path @param {unknown} [json] */
    post: (path, json) => request('POST', path, { json }),
    /** @param {string} path @param {unknown} [json] */
    put: (path, json) => request('PUT', path, { json }),
    /** @param {string} path */
    del: (path) => request('DELETE', path),
  };
}

/**
 * fetch() over XMLHttpRequest, for uploads whose progress is shown: the same request, the answer as a Response.
 * @param {string} url
 * @param {{method: string, headers: Record<string, string>, body?: BodyInit, signal?: AbortSignal}} init
 * @param {(progress: {loaded: number, total: number}) => void} onProgress
 * @returns {Promise<Response>}
 */
export function xhrFetch(url, init, onProgress) {
  return new Promise((resolve, reject) => {
    const abortError = () => Object.assign(new Error('The upload was aborted'), { name: 'AbortError' });
    if (init.signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(init.method, url);
    for (const [name, value] of Object.entries(init.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onload = () => {
      // A Response cannot carry a body with these statuses.
      const empty = [101, 204, 205, 304].includes(xhr.status);
      resolve(new Response(empty ? null : xhr.responseText, { status: xhr.status }));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(abortError());
    init.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(/** @type {XMLHttpRequestBodyInit | null} */ (init.body ?? null));
  });
}

/** @typedef {ReturnType<typeof createApiClient>} ApiClient */
