// Keeps the viewer's annotations on the server, per user and study (issue #6 part 5):
//   GET /api/viewer/studies/{uid}/annotations → { studyUID, annotations: "<JSON array>", version, updatedAt? }
//   PUT the same path { annotations, version: <the version loaded> } → the saved document, version + 1;
//   409 version_conflict when another window saved first, 422 not an array, 413 over 2 MB.
// Saves are debounced (one PUT about a second after the last change, never two at once) and flushed when the
// page is hidden. A conflict stops saving until the user reloads the server's copy. No DOM here.

import { parse, serialize } from './annotations.js';

/** @typedef {import('./annotations.js').Annotation} Annotation */
/** @typedef {'idle' | 'saving' | 'saved' | 'error' | 'conflict' | 'tooLarge' | 'offline'} SyncStatus */
/**
 * @typedef {object} SyncOptions
 * @property {string} study Study Instance UID
 * @property {typeof fetch} [fetchImpl]
 * @property {(status: SyncStatus) => void} [onStatus]
 * @property {() => void} [onUnauthorized] 401: the session ended
 * @property {number} [delay] ms after the last change before saving
 * @property {number} [retry] ms before trying again after a network or server error
 */

export const MAX_BYTES = 2 * 1024 * 1024;

/** @param {string} study */
export const annotationsUrl = (study) => `/api/viewer/studies/${encodeURIComponent(study)}/annotations`;

export class AnnotationSync {
  /** @param {SyncOptions} o */
  constructor(o) {
    this.study = o.study;
    this.fetch = o.fetchImpl ?? ((/** @type {RequestInfo | URL} */ input, /** @type {RequestInit | undefined} */ init) => fetch(input, init));
    this.onStatus = o.onStatus ?? (() => {});
    this.onUnauthorized = o.onUnauthorized ?? (() => {});
    this.delay = o.delay ?? 1000;
    this.retryDelay = o.retry ?? 5000;
    this.version = 0;
    /** @type {SyncStatus} */
    this.status = 'idle';
    /** @type {string | null} the document as last saved or loaded */
    this.savedText = null;
    /** @type {string | null} the document waiting to be saved */
    this.pendingText = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    /** @type {Promise<void> | null} */
    this.inFlight = null;
    /** @type {string | null} */
    this.csrf = null;
    this.dropped = 0;
  }

  /** @param {SyncStatus} s */
  setStatus(s) {
    this.status = s;
    this.onStatus(s);
  }

  /**
   * Loads the server's copy (and forgets unsaved changes).
   * @returns {Promise<Annotation[]>}
   */
  async load() {
    this.cancelTimer();
    this.pendingText = null;
    const r = await this.fetch(annotationsUrl(this.study), { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (r.status === 401) {
      this.onUnauthorized();
      throw new Error('unauthorized');
    }
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const doc = await r.json();
    this.version = Number.isInteger(doc?.version) ? doc.version : 0;
    const { annotations, dropped } = parse(doc?.annotations);
    this.dropped = dropped;
    this.savedText = serialize(annotations);
    this.setStatus('idle');
    return annotations;
  }

  /**
   * The annotations changed: save them a moment after the last change.
   * @param {Annotation[]} list
   */
  changed(list) {
    if (this.status === 'conflict') return;
    const text = serialize(list);
    if (text === this.savedText && !this.inFlight) {
      this.pendingText = null;
      this.cancelTimer();
      return;
    }
    this.pendingText = text;
    if (text.length > MAX_BYTES) {
      this.setStatus('tooLarge');
      return;
    }
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delay);
  }

  cancelTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether a change has not reached the server yet. */
  get unsaved() {
    return this.pendingText !== null || this.inFlight !== null;
  }

  /**
   * Saves now what is pending (waits for a save under way first).
   * @param {{ keepalive?: boolean }} [o] keepalive: the page is going away
   */
  async flush(o = {}) {
    this.cancelTimer();
    if (this.inFlight) {
      if (o.keepalive) return; // the running request finishes on its own; a second one would conflict
      await this.inFlight;
    }
    const text = this.pendingText;
    if (text === null || this.status === 'conflict' || text.length > MAX_BYTES) return;
    this.pendingText = null;
    this.inFlight = this.put(text, Boolean(o.keepalive)).finally(() => {
      this.inFlight = null;
    });
    await this.inFlight;
    const status = /** @type {SyncStatus} */ (this.status); // put() changed it
    if (this.pendingText !== null && status !== 'conflict' && status !== 'error' && status !== 'offline') {
      this.cancelTimer();
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.delay);
    }
  }

  /** The CSRF token of the session (GET /api/me), fetched once. */
  async token() {
    if (this.csrf) return this.csrf;
    try {
      const r = await this.fetch('/api/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (r.status === 401) this.onUnauthorized();
      if (r.ok) this.csrf = (await r.json())?.csrfToken ?? null;
    } catch {
      /* offline: the PUT fails below */
    }
    return this.csrf;
  }

  /** @param {string} text @param {boolean} keepalive */
  async put(text, keepalive) {
    this.setStatus('saving');
    for (let attempt = 0; attempt < 2; attempt++) {
      const csrf = await this.token();
      /** @type {Response} */
      let r;
      try {
        r = await this.fetch(annotationsUrl(this.study), {
          method: 'PUT',
          credentials: 'same-origin',
          keepalive: keepalive && text.length < 60000, // browsers cap keepalive bodies at 64 KiB
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
          body: JSON.stringify({ annotations: text, version: this.version }),
        });
      } catch {
        return this.failed(text, 'offline');
      }
      if (r.ok) {
        const doc = await r.json().catch(() => null);
        this.version = Number.isInteger(doc?.version) ? doc.version : this.version + 1;
        this.savedText = text;
        this.setStatus(this.pendingText !== null ? 'saving' : 'saved');
        return;
      }
      if (r.status === 403 && attempt === 0) {
        this.csrf = null; // a new session (signed in again in another tab): fetch its token and retry once
        continue;
      }
      if (r.status === 401) {
        this.onUnauthorized();
        return this.failed(text, 'error');
      }
      if (r.status === 409) {
        this.pendingText = text;
        this.setStatus('conflict');
        return;
      }
      if (r.status === 413) {
        this.pendingText = text;
        this.setStatus('tooLarge');
        return;
      }
      return this.failed(text, 'error');
    }
    return this.failed(text, 'error');
  }

  /** @param {string} text @param {SyncStatus} status */
  failed(text, status) {
    if (this.pendingText === null) this.pendingText = text;
    this.setStatus(status);
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.retryDelay);
  }

  /** Stops timers (tests, leaving the study). */
  dispose() {
    this.cancelTimer();
  }
}
