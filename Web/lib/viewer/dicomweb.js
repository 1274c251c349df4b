// The few DICOMweb calls the viewer makes (PS3.18; the server's routes are under /dicomweb, same origin, cookie
// session). Errors come back as DicomwebError with the HTTP status (0 = no answer) so the page can tell
// "not logged in" (401), "no permission" (403), "not found" (404) and network trouble apart.

/** @typedef {import('./pixels.js').DicomJson} DicomJson */

export const ROOT = '/dicomweb';
/** Native little-endian frames; the server decodes compressed objects, and gzip covers the wire. */
export const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1';

export class DicomwebError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.name = 'DicomwebError';
    this.status = status;
  }
}

/** @param {string} s */
const enc = (s) => encodeURIComponent(s);

/** URL builders (also used for <img src> and by the frame worker). */
export const urls = {
  studies: () => `${ROOT}/studies`,
  series: (/** @type {string} */ study) => `${ROOT}/studies/${enc(study)}/series`,
  seriesMetadata: (/** @type {string} */ study, /** @type {string} */ series) => `${ROOT}/studies/${enc(study)}/series/${enc(series)}/metadata`,
  /** @param {string} study @param {string} series @param {string} sop @param {number} frame 1-based */
  frame: (study, series, sop, frame) => `${ROOT}/studies/${enc(study)}/series/${enc(series)}/instances/${enc(sop)}/frames/${frame}`,
  /** @param {string} study @param {string} series @param {string} sop @param {number} frame @param {number} w @param {number} h */
  rendered: (study, series, sop, frame, w, h) =>
    `${ROOT}/studies/${enc(study)}/series/${enc(series)}/instances/${enc(sop)}/frames/${frame}/rendered?viewport=${Math.round(w)},${Math.round(h)}&quality=85`,
  seriesThumbnail: (/** @type {string} */ study, /** @type {string} */ series) => `${ROOT}/studies/${enc(study)}/series/${enc(series)}/thumbnail?viewport=96,96`,
  /** @param {string} study @param {string} series @param {string} sop */
  instanceThumbnail: (study, series, sop) => `${ROOT}/studies/${enc(study)}/series/${enc(series)}/instances/${enc(sop)}/thumbnail?viewport=64,64`,
};

/**
 * GET JSON from the DICOMweb API.
 * @param {string} url @param {AbortSignal} [signal]
 * @returns {Promise<{ body: any, total: number | null }>}
 */
export async function getJson(url, signal) {
  /** @type {Response} */
  let r;
  try {
    r = await fetch(url, { headers: { Accept: 'application/dicom+json' }, credentials: 'same-origin', signal });
  } catch (e) {
    if (/** @type {any} */ (e)?.name === 'AbortError') throw e;
    throw new DicomwebError(0, String(/** @type {any} */ (e)?.message ?? e));
  }
  if (!r.ok) {
    let message = `HTTP ${r.status}`;
    try {
      const j = await r.json();
      if (j?.error?.message) message = j.error.message;
    } catch {
      /* not JSON */
    }
    throw new DicomwebError(r.status, message);
  }
  const text = await r.text();
  const total = r.headers.get('X-Total-Count');
  return { body: text ? JSON.parse(text) : [], total: total === null ? null : Number(total) };
}

/**
 * QIDO-RS study search.
 * @param {Record<string, string>} query @param {AbortSignal} [signal]
 * @returns {Promise<DicomJson[]>}
 */
export async function searchStudies(query, signal) {
  const q = new URLSearchParams(query).toString();
  return (await getJson(`${urls.studies()}${q ? `?${q}` : ''}`, signal)).body;
}

/** @param {string} study @param {AbortSignal} [signal] @returns {Promise<DicomJson[]>} */
export async function searchSeries(study, signal) {
  return (await getJson(`${urls.series(study)}?includefield=all`, signal)).body;
}

/** @param {string} study @param {string} series @param {AbortSignal} [signal] @returns {Promise<DicomJson[]>} */
export async function seriesMetadata(study, series, signal) {
  return (await getJson(urls.seriesMetadata(study, series), signal)).body;
}
