// Loading dictionary rows for selects (institutions, departments, exam categories, any `ref` field).

/** @typedef {import('../types/models').DictRow} DictRow */

const PAGE_SIZE = 200; // the API's maximum
const MAX_PAGES = 25;

/**
 * Every row of a dictionary kind matching the query (the API pages at 200 rows at most).
 * @param {import('../lib/api.js').ApiClient} api
 * @param {string} kind
 * @param {Record<string, unknown>} [query]
 * @param {AbortSignal} [signal]
 * @returns {Promise<DictRow[]>}
 */
export async function fetchAllRows(api, kind, query = {}, signal) {
  /** @type {DictRow[]} */
  const items = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await api.request('GET', `/api/dictionaries/${encodeURIComponent(kind)}`, { query: { ...query, page, pageSize: PAGE_SIZE }, signal });
    items.push(...res.items);
    if (res.items.length < PAGE_SIZE || items.length >= res.total) break;
  }
  return items;
}

/**
 * What to show for a dictionary row in a select or a chip.
 * @param {DictRow} row
 */
export function rowLabel(row) {
  return String(row.name ?? row.title ?? row.code ?? `#${row.id}`);
}

/**
 * Select options for rows; each option carries data-code so tests and people can find a row by its code.
 * @param {DictRow[]} rows
 */
export function rowOptions(rows) {
  return rows.map((r) => ({ value: String(r.id), label: rowLabel(r), attrs: r.code ? { dataset: { code: String(r.code) } } : {} }));
}

/**
 * Display name the server sends beside a ref field. docs/api.md says `{field}Name`; the server writes
 * `parentId` → `parentName` (the "Id" suffix dropped), so both spellings are read.
 * @param {Record<string, any>} row
 * @param {string} fieldName
 * @returns {string | null}
 */
export function refName(row, fieldName) {
  const value = row[`${fieldName}Name`] ?? row[`${fieldName.replace(/Id$/, '')}Name`];
  return value === null || value === undefined ? null : String(value);
}
