// 查询远程PACS (VIEW-01, issue #6): the pure part of the dialog on the 检查列表 page (views/remote-pacs.js). The server
// does the DICOM: POST /api/dicom/application-entities/{id}/query is a study-level C-FIND on the remote AE, and
// …/retrieve a C-MOVE of a study from it to our own AE title (both audited). Everything here needs only study.view:
// the nodes to choose from come from GET /api/dicom/remote-nodes (the active nodes, AE title and description, without
// the addresses and settings of the node table, which stays dicom.nodes.manage). No DOM here.

import { ApiError } from './api.js';

/**
 * @typedef {object} RemoteCriteria what the radiologist typed
 * @property {string} patientName
 * @property {string} patientId
 * @property {string} accessionNumber
 * @property {string} from YYYY-MM-DD or ''
 * @property {string} to YYYY-MM-DD or ''
 * @property {string} modality '' for all
 */

/**
 * @typedef {object} RemoteAE an entry of GET /api/dicom/remote-nodes (active nodes only; `active` is never sent but
 *   is respected should a list of the node table be passed)
 * @property {number} id
 * @property {string} aeTitle
 * @property {string} [description]
 * @property {boolean} [active]
 */

/**
 * @typedef {object} RemoteStudy an answer of …/query
 * @property {string} studyInstanceUID
 * @property {string} patientName
 * @property {string} patientId
 * @property {string} studyDate
 * @property {string} accessionNumber
 * @property {string[]} modalities
 * @property {string} description
 * @property {number} [numberOfInstances]
 */

/**
 * YYYY-MM-DD → YYYYMMDD ('' stays '').
 * @param {string} d
 */
export const dicomDate = (d) => (d || '').replace(/-/g, '');

/**
 * YYYYMMDD → YYYY-MM-DD (anything else as given).
 * @param {string} d
 */
export const displayDate = (d) => (/^\d{8}$/.test(d || '') ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d || '');

/**
 * The DICOM date range of the criteria: one day, a range, open at one end, or '' (any date).
 * @param {string} from @param {string} to
 */
export function dateRange(from, to) {
  const a = dicomDate(from);
  const b = dicomDate(to);
  if (a && b) return a === b ? a : `${a}-${b}`;
  if (a) return `${a}-`;
  if (b) return `-${b}`;
  return '';
}

/**
 * Problems with the criteria before asking the remote PACS (the server says the same, but in one round trip less):
 * a name, ID, accession number or date is needed (a modality alone would list the whole PACS), and the range must
 * not end before it starts. Keys are field names, values catalogue keys.
 * @param {RemoteCriteria} c
 * @returns {Record<string, string>}
 */
export function checkCriteria(c) {
  /** @type {Record<string, string>} */
  const problems = {};
  const given = [c.patientName, c.patientId, c.accessionNumber, c.from, c.to].some((v) => (v || '').trim() && (v || '').trim() !== '*');
  if (!given) problems.patientName = 'remote.error.noCriteria';
  if (c.from && c.to && c.from > c.to) problems.to = 'remote.error.range';
  return problems;
}

/**
 * The body of POST …/query. A name without wildcards matches names beginning with it (张 → 张*), as on the local
 * 检查列表; identifiers match exactly.
 * @param {RemoteCriteria} c
 * @returns {Record<string, string>}
 */
export function queryBody(c) {
  /** @type {Record<string, string>} */
  const body = {};
  const name = (c.patientName || '').trim();
  if (name) body.patientName = /[*?]/.test(name) ? name : `${name}*`;
  const id = (c.patientId || '').trim();
  if (id) body.patientId = id;
  const acc = (c.accessionNumber || '').trim();
  if (acc) body.accessionNumber = acc;
  const date = dateRange(c.from, c.to);
  if (date) body.studyDate = date;
  if (c.modality) body.modality = c.modality.toUpperCase();
  return body;
}

/**
 * A DICOM person name for reading: the groups (alphabetic=ideographic=phonetic) joined, components with spaces.
 * @param {string} pn
 * @returns {{ main: string, alt: string }}
 */
export function personName(pn) {
  const groups = (pn || '').split('=').map((g) => g.split('^').filter(Boolean).join(' ').trim());
  const ideographic = groups[1] || '';
  const alphabetic = groups[0] || '';
  if (ideographic) return { main: ideographic, alt: alphabetic };
  return { main: alphabetic, alt: groups[2] || '' };
}

/**
 * The remote AEs that can be queried (not switched off), by AE title.
 * @param {RemoteAE[]} items
 */
export function queryableNodes(items) {
  return items.filter((a) => a && a.aeTitle && a.active !== false).sort((a, b) => a.aeTitle.localeCompare(b.aeTitle));
}

/**
 * A node in the select: its AE title and what the administrator called it ("ORTHANC · 区医院PACS").
 * @param {RemoteAE} a
 */
export const nodeLabel = (a) => `${a.aeTitle}${a.description ? ` · ${a.description}` : ''}`;

/**
 * Progress of a retrieval: images of the study in our archive now against the number the remote PACS announced.
 * @param {number} received @param {number | null | undefined} expected
 * @returns {{ received: number, expected: number | null, fraction: number | null }}
 */
export function progress(received, expected) {
  const e = expected && expected > 0 ? expected : null;
  return { received, expected: e, fraction: e ? Math.min(1, received / e) : null };
}

/**
 * What went wrong, as a catalogue key: no right to query (403: no study.view), not signed in (401), the
 * remote PACS failed (502, its reason is in the message), the node is unknown or disabled (404/409), no answer (0).
 * @param {unknown} error
 */
export function errorKind(error) {
  if (!(error instanceof ApiError)) return 'remote.error.other';
  if (error.status === 401) return 'remote.error.session';
  if (error.status === 403) return 'remote.error.forbidden';
  if (error.status === 502) return 'remote.error.peer';
  if (error.status === 404) return 'remote.error.nodeGone';
  if (error.status === 409) return 'remote.error.nodeInactive';
  if (error.status === 422) return 'remote.error.invalid';
  if (error.status === 0) return 'remote.error.network';
  return 'remote.error.other';
}
