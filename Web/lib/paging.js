// Paging arithmetic for list pages (1-based pages, like the API).

export const PAGE_SIZES = [10, 20, 50, 100];
export const DEFAULT_PAGE_SIZE = 20;

/**
 * Number of pages for a total; at least 1 so that "page 1 of 1" shows for an empty list.
 * @param {number} total
 * @param {number} pageSize
 */
export function pageCount(total, pageSize) {
  if (!(pageSize > 0)) return 1;
  return Math.max(1, Math.ceil(Math.max(0, total) / pageSize));
}

/**
 * Keep a page number inside 1..pageCount.
 * @param {number} page
 * @param {number} total
 * @param {number} pageSize
 */
export function clampPage(page, total, pageSize) {
  const last = pageCount(total, pageSize);
  if (!Number.isFinite(page) || page < 1) return 1;
  return Math.min(Math.floor(page), last);
}

/**
 * Row numbers shown on a page, 1-based and inclusive ({from: 0, to: 0} for an empty list).
 * @param {number} page
 * @param {number} pageSize
 * @param {number} total
 */
export function pageRange(page, pageSize, total) {
  if (total <= 0) return { from: 0, to: 0 };
  const p = clampPage(page, total, pageSize);
  const from = (p - 1) * pageSize + 1;
  return { from, to: Math.min(total, p * pageSize) };
}

/**
 * Page buttons to draw: always the first and last page, `around` pages either side of the current one,
 * and 'gap' where pages are skipped. E.g. (6, 20) → [1, 'gap', 4, 5, 6, 7, 8, 'gap', 20].
 * @param {number} current
 * @param {number} count
 * @param {number} [around]
 * @returns {(number | 'gap')[]}
 */
export function pageWindow(current, count, around = 2) {
  /** @type {(number | 'gap')[]} */
  const out = [];
  if (count <= 0) return out;
  const cur = Math.min(Math.max(1, current), count);
  let start = Math.max(2, cur - around);
  let end = Math.min(count - 1, cur + around);
  // Show a page instead of a gap that would hide only one page.
  if (start === 3) start = 2;
  if (end === count - 2) end = count - 1;
  out.push(1);
  if (start > 2) out.push('gap');
  for (let p = start; p <= end; p++) out.push(p);
  if (end < count - 1) out.push('gap');
  if (count > 1) out.push(count);
  return out;
}

