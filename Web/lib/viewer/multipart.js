// multipart/related bodies (RFC 2046 §5.1, as DICOMweb uses them for WADO-RS frames and bulk data, PS3.18 8.6.1.2).
// The parts are returned as views into the one response buffer (no copies), so a 512×512 CT frame goes from
// the network to the pixel decoder without being moved.

/** @typedef {{ headers: Record<string, string>, body: Uint8Array }} Part */

const CR = 13;
const LF = 10;
const DASH = 45;

/**
 * The boundary parameter of a Content-Type header, quotes removed; null when there is none.
 * @param {string | null | undefined} contentType
 * @returns {string | null}
 */
export function boundaryOf(contentType) {
  if (!contentType) return null;
  // Parameters are separated by ';' outside quoted strings.
  const m = /;\s*boundary\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(contentType);
  if (!m) return null;
  const value = m[2] ?? m[1];
  return value ? value : null;
}

/**
 * The media type of a part's Content-Type (lower case, without parameters), and one named parameter.
 * @param {string | undefined} contentType @param {string} [name]
 */
export function mediaType(contentType, name) {
  const [type, ...params] = String(contentType ?? '').split(';');
  /** @type {string | undefined} */
  let value;
  if (name) {
    for (const p of params) {
      const i = p.indexOf('=');
      if (i > 0 && p.slice(0, i).trim().toLowerCase() === name) value = p.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
  }
  return { type: type.trim().toLowerCase(), value };
}

/**
 * Index of `needle` in `hay` from `from`, or −1.
 * @param {Uint8Array} hay @param {Uint8Array} needle @param {number} from
 */
export function indexOfBytes(hay, needle, from) {
  const n = needle.length;
  if (n === 0) return from;
  const first = needle[0];
  const last = hay.length - n;
  for (let i = Math.max(0, from); i <= last; i++) {
    if (hay[i] !== first) continue;
    let j = 1;
    while (j < n && hay[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

/** @param {string} s */
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/**
 * Splits a multipart body into its parts. A preamble before the first delimiter and an epilogue after the
 * closing one are ignored, header names are lower-cased, and the CRLF before each delimiter belongs to the
 * delimiter (not to the body). Throws on a body without the boundary or a part without a blank line after
 * its headers; a missing closing delimiter is tolerated when the last part is complete up to the end.
 * @param {Uint8Array | ArrayBuffer} input
 * @param {string} boundary
 * @returns {Part[]}
 */
export function parseMultipart(input, boundary) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (!boundary) throw new Error('multipart: no boundary');
  const dash = ascii(`--${boundary}`);
  const delimiter = ascii(`\r\n--${boundary}`);
  /** @type {Part[]} */
  const parts = [];
  // The first delimiter may open the body (no CRLF before it) or follow a preamble.
  let at = 0;
  if (indexOfBytes(bytes.subarray(0, dash.length), dash, 0) !== 0) {
    const found = indexOfBytes(bytes, delimiter, 0);
    if (found < 0) throw new Error('multipart: boundary not found');
    at = found + 2;
  }
  for (;;) {
    at += dash.length;
    if (bytes[at] === DASH && bytes[at + 1] === DASH) break; // closing delimiter
    while (bytes[at] === 32 || bytes[at] === 9) at++; // transport padding
    if (bytes[at] === CR && bytes[at + 1] === LF) at += 2;
    else if (at >= bytes.length) break; // truncated after a delimiter: nothing more
    else throw new Error('multipart: no line break after the boundary');
    // Headers end with an empty line; a part may have no headers at all (then the body starts right away).
    /** @type {Record<string, string>} */
    const headers = {};
    if (bytes[at] === CR && bytes[at + 1] === LF) {
      at += 2;
    } else {
      const end = indexOfBytes(bytes, ascii('\r\n\r\n'), at);
      if (end < 0) throw new Error('multipart: headers not terminated');
      const text = new TextDecoder('latin1').decode(bytes.subarray(at, end));
      for (const line of text.split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      at = end + 4;
    }
    const next = indexOfBytes(bytes, delimiter, at);
    if (next < 0) {
      // No closing delimiter: take the rest (a server that stops after the last part).
      let end = bytes.length;
      if (bytes[end - 2] === CR && bytes[end - 1] === LF) end -= 2;
      parts.push({ headers, body: bytes.subarray(at, end) });
      break;
    }
    parts.push({ headers, body: bytes.subarray(at, next) });
    at = next + 2;
  }
  return parts;
}
