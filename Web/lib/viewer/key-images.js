// 关键图像 (VIEW-10): the images the reader marks in a study, saved as a DICOM Key Object Selection document.
//   GET  /api/viewer/studies/{uid}/key-images → { items: [{ sopInstanceUID, seriesUID, description, author, createdAt,
//        items: [{ sopInstanceUID, frame? }] }] }, newest first (the newest selection is preloaded as the marks);
//   POST the same path { items: [{ sopInstanceUID, frame? }], description } → 201 the saved selection; 403 without
//        report.write (or a stale CSRF token), 422 an empty list, 404 an image not in the study.
// The mark set and the payload are pure; KeyImageClient does the HTTP. No DOM here.

/**
 * @typedef {object} KeyMark
 * @property {string} sop SOP Instance UID
 * @property {number} frame 1-based (1 for a single-frame image)
 * @property {boolean} multiFrame the frame number goes into the document
 * @property {string | null} series Series Instance UID of the image when known (thumbnail, jumping)
 */
/**
 * @typedef {object} KeySelection a saved Key Object Selection document
 * @property {string} sopInstanceUID
 * @property {string} seriesUID
 * @property {string} description
 * @property {string} author
 * @property {string} createdAt
 * @property {{ sopInstanceUID: string, frame?: number }[]} items
 */
/** @typedef {{ items: { sopInstanceUID: string, frame?: number }[], description?: string }} KeyPayload */
/** @typedef {'ok' | 'forbidden' | 'empty' | 'notFound' | 'unauthorized' | 'error' | 'offline'} SaveOutcome */

/** @param {string} sop @param {number} [frame] */
export const markKey = (sop, frame = 1) => `${sop}/${frame}`;

/** @param {string} study */
export const keyImagesUrl = (study) => `/api/viewer/studies/${encodeURIComponent(study)}/key-images`;

/** The marked images of a study, in the order they were marked. */
export class KeyMarks {
  constructor() {
    /** @type {Map<string, KeyMark>} */
    this.map = new Map();
  }

  get size() {
    return this.map.size;
  }

  /** @returns {KeyMark[]} */
  list() {
    return [...this.map.values()];
  }

  /** @param {string} sop @param {number} [frame] */
  has(sop, frame = 1) {
    return this.map.has(markKey(sop, frame));
  }

  /**
   * @param {{ sop: string, frame?: number, multiFrame?: boolean, series?: string | null }} m
   * @returns {boolean} whether it was not marked before
   */
  add(m) {
    if (!m.sop) return false;
    const frame = Number.isInteger(m.frame) && /** @type {number} */ (m.frame) > 0 ? /** @type {number} */ (m.frame) : 1;
    const key = markKey(m.sop, frame);
    const old = this.map.get(key);
    if (old) {
      if (!old.series && m.series) old.series = m.series;
      return false;
    }
    this.map.set(key, { sop: m.sop, frame, multiFrame: Boolean(m.multiFrame) || frame > 1, series: m.series ?? null });
    return true;
  }

  /** @param {string} sop @param {number} [frame] @returns {boolean} whether it was marked */
  remove(sop, frame = 1) {
    return this.map.delete(markKey(sop, frame));
  }

  /**
   * Marks an image, or unmarks it when it is marked.
   * @param {{ sop: string, frame?: number, multiFrame?: boolean, series?: string | null }} m
   * @returns {boolean} whether it is marked now
   */
  toggle(m) {
    if (this.remove(m.sop, m.frame ?? 1)) return false;
    return this.add(m);
  }

  clear() {
    this.map.clear();
  }

  /**
   * Replaces the marks with a saved selection's images.
   * @param {KeySelection | null | undefined} sel
   */
  load(sel) {
    this.clear();
    for (const it of sel?.items ?? []) {
      const frame = typeof it.frame === 'number' ? it.frame : undefined;
      this.add({ sop: it.sopInstanceUID, frame, multiFrame: frame !== undefined });
    }
  }
}

/**
 * The POST body: the images (frame only for multi-frame objects) and the description when one is given.
 * @param {KeyMark[]} marks @param {string} [description]
 * @returns {KeyPayload}
 */
export function buildPayload(marks, description = '') {
  /** @type {KeyPayload} */
  const body = { items: marks.map((m) => (m.multiFrame ? { sopInstanceUID: m.sop, frame: m.frame } : { sopInstanceUID: m.sop })) };
  const d = description.trim();
  if (d) body.description = d;
  return body;
}

/**
 * The selections of a GET response, keeping only well-formed ones (newest first, as sent).
 * @param {unknown} doc @returns {KeySelection[]}
 */
export function parseSelections(doc) {
  const list = /** @type {any} */ (doc)?.items;
  if (!Array.isArray(list)) return [];
  /** @type {KeySelection[]} */
  const out = [];
  for (const s of list) {
    if (!s || typeof s !== 'object' || !Array.isArray(s.items)) continue;
    const items = s.items
      .filter((/** @type {any} */ i) => i && typeof i.sopInstanceUID === 'string' && i.sopInstanceUID)
      .map((/** @type {any} */ i) => (Number.isInteger(i.frame) && i.frame > 0 ? { sopInstanceUID: i.sopInstanceUID, frame: i.frame } : { sopInstanceUID: i.sopInstanceUID }));
    out.push({
      sopInstanceUID: String(s.sopInstanceUID ?? ''),
      seriesUID: String(s.seriesUID ?? ''),
      description: String(s.description ?? ''),
      author: String(s.author ?? ''),
      createdAt: String(s.createdAt ?? ''),
      items,
    });
  }
  return out;
}

/** @param {number} status @returns {SaveOutcome} */
export function outcomeOf(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 422) return 'empty';
  return 'error';
}

/** Loads and saves a study's key images with the session's CSRF token (GET /api/me, which also gives the permissions). */
export class KeyImageClient {
  /** @param {{ study: string, fetchImpl?: typeof fetch }} o */
  constructor(o) {
    this.study = o.study;
    this.fetch = o.fetchImpl ?? ((/** @type {RequestInfo | URL} */ input, /** @type {RequestInit | undefined} */ init) => fetch(input, init));
    /** @type {string | null} */
    this.csrf = null;
    /** @type {string[] | null} null until /api/me answered */
    this.permissions = null;
  }

  /** The session's token and permissions (fetched again after a 403). */
  async me() {
    try {
      const r = await this.fetch('/api/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (r.ok) {
        const me = await r.json();
        this.csrf = me?.csrfToken ?? null;
        this.permissions = Array.isArray(me?.permissions) ? me.permissions : [];
      }
    } catch {
      /* offline: the save fails below */
    }
  }

  /** Whether the user may save a key image document (report.write). */
  get canSave() {
    return Boolean(this.permissions?.includes('report.write'));
  }

  /** @returns {Promise<KeySelection[]>} */
  async load() {
    const r = await this.fetch(keyImagesUrl(this.study), { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return parseSelections(await r.json());
  }

  /**
   * @param {KeyPayload} body
   * @returns {Promise<{ outcome: SaveOutcome, selection: KeySelection | null }>}
   */
  async save(body) {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.csrf || attempt > 0) await this.me();
      /** @type {Response} */
      let r;
      try {
        r = await this.fetch(keyImagesUrl(this.study), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(this.csrf ? { 'X-CSRF-Token': this.csrf } : {}) },
          body: JSON.stringify(body),
        });
      } catch {
        return { outcome: 'offline', selection: null };
      }
      if (r.status === 403 && attempt === 0) continue; // maybe a new session's token: fetch it and retry once
      const outcome = outcomeOf(r.status);
      const selection = outcome === 'ok' ? parseSelections({ items: [await r.json().catch(() => null)] })[0] ?? null : null;
      return { outcome, selection };
    }
    return { outcome: 'forbidden', selection: null };
  }
}
