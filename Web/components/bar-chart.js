// A small horizontal bar chart drawn as inline SVG (one bar per key, optionally stacked), with a legend, a value
// axis with round ticks and a tooltip (<title>) on every bar. No chart library: the server serves no /vendor path,
// so Debian's Chart.js could not be loaded from the system folder.
import { h } from '../lib/dom.js';
import { niceScale, stackSegments } from '../lib/archive.js';

const NS = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...(SVGElement | string | null)} children
 */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/**
 * Rough width of a text at 12 px: CJK characters are square, Latin ones about 0.6 em.
 * @param {string} text
 */
function textWidth(text) {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 12.5 : 7;
  return w;
}

/** @param {string} text @param {number} max */
function fitText(text, max) {
  if (textWidth(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (textWidth(out + ch + '…') > max) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * @typedef {object} BarChartOptions
 * @property {{label: string, values: number[]}[]} rows one bar per row; several values are stacked in series order
 * @property {{label: string, color: string}[]} series what each value of a row is (the legend; hidden for one series)
 * @property {(n: number) => string} [format] numbers on the axis and beside the bars
 * @property {(row: {label: string, values: number[]}, series: number) => string} [tooltip] text of a bar part
 * @property {string} [testid]
 * @property {string} [ariaLabel]
 * @property {number} [width] drawing width in px (the chart shrinks with its box, never grows past it)
 */

/**
 * @param {BarChartOptions} o
 */
export function barChart(o) {
  const format = o.format || ((/** @type {number} */ n) => String(n));
  const width = o.width || 720;
  const rowH = 26;
  const barH = 16;
  const top = 24;
  const bottom = 6;
  const labelW = Math.min(180, Math.max(48, ...o.rows.map((r) => textWidth(r.label)))) + 12;
  const totals = o.rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const scale = niceScale(Math.max(0, ...totals));
  const valueW = Math.max(40, textWidth(format(scale.max)) + 14);
  const plotW = width - labelW - valueW;
  const height = top + o.rows.length * rowH + bottom;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': o.ariaLabel || '', class: 'bar-chart-svg' });
  // Grid lines and tick labels along the top.
  for (const tick of scale.ticks) {
    const x = labelW + (tick / scale.max) * plotW;
    root.append(
      svg('line', { x1: x, x2: x, y1: top - 4, y2: height - bottom, class: tick === 0 ? 'chart-axis' : 'chart-grid' }),
      svg('text', { x, y: top - 9, 'text-anchor': 'middle', class: 'chart-tick' }, format(tick)),
    );
  }
  o.rows.forEach((row, i) => {
    const y = top + i * rowH;
    const barY = y + (rowH - barH) / 2;
    const g = svg('g', { class: 'chart-row', 'data-key': row.label });
    g.append(svg('text', { x: labelW - 10, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, fitText(row.label, labelW - 14), svg('title', {}, row.label)));
    const segments = stackSegments(row.values, scale.max, plotW);
    segments.forEach((s, k) => {
      if (s.width <= 0) return;
      const tip = o.tooltip ? o.tooltip(row, k) : `${row.label}: ${format(row.values[k])}`;
      g.append(svg('rect', { x: labelW + s.x, y: barY, width: s.width, height: barH, fill: o.series[k]?.color || '#1766d1', class: 'chart-bar', 'data-series': k }, svg('title', {}, tip)));
    });
    const end = segments.length ? segments[segments.length - 1].x + segments[segments.length - 1].width : 0;
    g.append(svg('text', { x: labelW + end + 6, y: y + rowH / 2 + 4, class: 'chart-value' }, format(totals[i])));
    root.append(g);
  });

  const legend =
    o.series.length > 1
      ? h(
          'div',
          { class: 'chart-legend' },
          o.series.map((s) => h('span', { class: 'chart-legend-item' }, h('span', { class: 'chart-swatch', style: { background: s.color } }), s.label)),
        )
      : null;
  return h('div', { class: 'bar-chart', testid: o.testid }, legend, h('div', { class: 'bar-chart-body' }, root));
}
