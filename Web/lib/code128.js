// Code 128 barcodes (ISO/IEC 15417) for the registration desk's labels: exam numbers and order numbers.
// Code set B for text, code set C (two digits per symbol) for runs of digits, the modulo-103 check symbol, and the
// bars as SVG. No dependencies; the bar widths are the standard's table (each symbol: 3 bars and 3 spaces of 1–4
// modules, 11 modules in all; the stop symbol 13 with its final bar).

/** Widths (bar, space, bar, space, bar, space[, bar]) of symbol values 0–106. */
export const PATTERNS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213', // 0–9
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132', // 10–19
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211', // 20–29
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313', // 30–39
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331', // 40–49
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111', // 50–59
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214', // 60–69
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111', // 70–79
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141', // 80–89
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141', // 90–99
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112', // 100–106
];

export const CODE_C = 99;
export const CODE_B = 100;
export const START_B = 104;
export const START_C = 105;
export const STOP = 106;
/** Light modules on either side of the bars (the standard asks for at least 10). */
export const QUIET_ZONE = 10;

/** @param {string} text @param {number} at */
function digitRun(text, at) {
  let n = 0;
  while (at + n < text.length && text.charCodeAt(at + n) >= 48 && text.charCodeAt(at + n) <= 57) n++;
  return n;
}

/**
 * The symbol values of a text: start symbol, data, check symbol and stop. Printable ASCII (space … DEL) only;
 * anything else throws (a label carries numbers, not names).
 * Code set C is used for a run of digits that saves symbols: 4 or more at the start or the end, 6 or more
 * between other characters; an odd run gives its first digit to code set B.
 * @param {string} text
 * @returns {number[]}
 */
export function encode128(text) {
  const s = String(text);
  if (s.length === 0) throw new Error('Code 128: nothing to encode');
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 32 || c > 127) throw new Error(`Code 128: cannot encode ${JSON.stringify(ch)}`);
  }
  /** @type {number[]} */
  const values = [];
  /** @type {'B' | 'C' | null} */
  let set = null;
  const use = (/** @type {'B' | 'C'} */ wanted) => {
    if (set === wanted) return;
    if (set === null) values.push(wanted === 'B' ? START_B : START_C);
    else values.push(wanted === 'B' ? CODE_B : CODE_C);
    set = wanted;
  };
  let i = 0;
  while (i < s.length) {
    let run = digitRun(s, i);
    const atStart = i === 0;
    const toEnd = i + run === s.length;
    const worthC = set === 'C' ? run >= 2 : atStart || toEnd ? run >= 4 || (atStart && toEnd && run === 2) : run >= 6;
    if (worthC) {
      if (run % 2 === 1) {
        use('B');
        values.push(s.charCodeAt(i) - 32);
        i++;
        run--;
      }
      use('C');
      for (; run >= 2; run -= 2, i += 2) values.push(Number(s.slice(i, i + 2)));
    } else {
      use('B');
      values.push(s.charCodeAt(i) - 32);
      i++;
    }
  }
  values.push(checkSymbol(values));
  values.push(STOP);
  return values;
}

/**
 * The modulo-103 check symbol of a start symbol and data: (start + Σ position × value) mod 103.
 * @param {number[]} values start symbol first, then the data symbols
 */
export function checkSymbol(values) {
  let sum = values[0];
  for (let k = 1; k < values.length; k++) sum += k * values[k];
  return sum % 103;
}

/**
 * The widths of the bars and spaces of a text, in modules, starting with a bar (without quiet zones).
 * @param {string} text
 * @returns {number[]}
 */
export function code128Widths(text) {
  /** @type {number[]} */
  const widths = [];
  for (const v of encode128(text)) for (const w of PATTERNS[v]) widths.push(Number(w));
  return widths;
}

/**
 * The bars as rectangles {x, w} in modules, the quiet zone included in x, and the whole width.
 * @param {string} text
 * @param {{quiet?: number}} [options]
 */
export function code128Bars(text, options = {}) {
  const quiet = options.quiet ?? QUIET_ZONE;
  /** @type {{x: number, w: number}[]} */
  const bars = [];
  let x = quiet;
  code128Widths(text).forEach((w, k) => {
    if (k % 2 === 0) bars.push({ x, w });
    x += w;
  });
  return { bars, width: x + quiet };
}

/**
 * The barcode as an SVG document (string): one module = one user unit, so it scales to any size; `crispEdges`
 * keeps bars sharp on screen. The SVG has a <title> with the text.
 * @param {string} text
 * @param {{height?: number, quiet?: number}} [options] height in modules (default 50)
 */
export function code128Svg(text, options = {}) {
  const height = options.height ?? 50;
  const { bars, width } = code128Bars(text, options);
  const rects = bars.map((b) => `<rect x="${b.x}" y="0" width="${b.w}" height="${height}"/>`).join('');
  const title = String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" shape-rendering="crispEdges">` +
    `<title>${title}</title><rect width="${width}" height="${height}" fill="#fff"/><g fill="#000">${rects}</g></svg>`
  );
}

/**
 * The barcode as an SVG element of the page (built with DOM calls, no markup parsing).
 * @param {Document} doc
 * @param {string} text
 * @param {{height?: number, quiet?: number}} [options]
 */
export function code128Element(doc, text, options = {}) {
  const ns = 'http://www.w3.org/2000/svg';
  const height = options.height ?? 50;
  const { bars, width } = code128Bars(text, options);
  const svg = doc.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', String(text));
  svg.dataset.modules = String(width);
  const background = doc.createElementNS(ns, 'rect');
  background.setAttribute('width', String(width));
  background.setAttribute('height', String(height));
  background.setAttribute('fill', '#fff');
  svg.append(background);
  const group = doc.createElementNS(ns, 'g');
  group.setAttribute('fill', '#000');
  for (const b of bars) {
    const r = doc.createElementNS(ns, 'rect');
    r.setAttribute('x', String(b.x));
    r.setAttribute('y', '0');
    r.setAttribute('width', String(b.w));
    r.setAttribute('height', String(height));
    group.append(r);
  }
  svg.append(group);
  return svg;
}
