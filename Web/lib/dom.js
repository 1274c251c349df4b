// Tiny DOM builder. No innerHTML with data: text always goes in as text nodes.

/** @typedef {Node | string | number | null | undefined | false | ChildArray} Child */
/** @typedef {Child[]} ChildArray */

// Properties set as DOM properties rather than attributes (so `value`, `checked` … reflect state).
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate', 'multiple', 'readOnly', 'required', 'hidden', 'open']);

/**
 * Create an element: h('button', {class: 'btn', onclick: fn, testid: 'save'}, 'Save').
 * `testid` becomes data-testid, `dataset` sets data-*, `style` takes an object, `on<event>` adds listeners.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) {
        if (PROPS.has(key) && value === false) /** @type {any} */ (el)[key] = false;
        continue;
      }
      if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
      else if (key === 'testid') el.setAttribute('data-testid', String(value));
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key === 'style') Object.assign(el.style, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (PROPS.has(key)) /** @type {any} */ (el)[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {Child[]} children
 */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace all children of an element.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * An SVG element from a small icon description (path data in a 24×24 viewBox, stroked).
 * @param {string[]} paths
 * @param {string} [className]
 */
export function svgIcon(paths, className = 'icon') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  for (const d of paths) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}
