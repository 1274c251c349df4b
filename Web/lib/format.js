// Display formatting shared by the pages.

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * ISO timestamp → "2026-11-29 18:54:58" in the browser's local time ('' when missing or invalid).
 * @param {string | null | undefined} iso
 * @param {{seconds?: boolean}} [options]
 */
export function formatDateTime(iso, options = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}` + (options.seconds ? `:${pad(d.getSeconds())}` : '');
  return `${date} ${time}`;
}

/**
 * Value of an <input type="datetime-local"> ("2026-11-29T08:30", local time) → ISO UTC string for the API.
 * `endOfMinute` is for the end of a range: "至 08:30" means up to and including 08:30:59.999.
 * @param {string} value
 * @param {{endOfMinute?: boolean}} [options]
 * @returns {string | null}
 */
export function localInputToIso(value, options = {}) {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const end = options.endOfMinute && m[6] === undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), end ? 59 : Number(m[6] || 0), end ? 999 : 0);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Join names for a cell; '' for an empty list.
 * @param {unknown} list array of strings or of {name}, or a comma-separated string
 * @param {string} separator
 */
export function joinNames(list, separator) {
  if (typeof list === 'string') return list.split(',').map((s) => s.trim()).filter(Boolean).join(separator);
  if (!Array.isArray(list)) return '';
  return list
    .map((x) => (x && typeof x === 'object' ? /** @type {any} */ (x).name ?? /** @type {any} */ (x).code ?? '' : String(x)))
    .filter(Boolean)
    .join(separator);
}
