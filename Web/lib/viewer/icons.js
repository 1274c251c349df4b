// Toolbar icons of the viewer (24×24 line drawings, drawn for this project), rendered by dom.js svgIcon.
import { svgIcon } from '../dom.js';

/** @type {Record<string, string[]>} */
const PATHS = {
  stackScroll: ['M5 4h11l3 3v13H5z', 'M8 9h8', 'M8 13h8', 'M12 15.5v5', 'M10 18.5l2 2 2-2', 'M12 7.5V2.5', 'M10 4.5l2-2 2 2'],
  windowLevel: ['M12 3a9 9 0 1 0 0 18z', 'M12 3a9 9 0 0 1 0 18', 'M15 8v8', 'M17.5 10v4'],
  pan: ['M12 3v18', 'M3 12h18', 'M9 6l3-3 3 3', 'M9 18l3 3 3-3', 'M6 9l-3 3 3 3', 'M18 9l3 3-3 3'],
  zoom: ['M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13z', 'M15.5 15.5L21 21', 'M8 10.5h5', 'M10.5 8v5'],
  rotate: ['M20 12a8 8 0 1 1-2.3-5.6', 'M20 4v5h-5', 'M12 9v3l2 2'],
  layout: ['M4 4h16v16H4z', 'M12 4v16', 'M4 12h16'],
  presets: ['M4 6h16', 'M4 12h16', 'M4 18h16', 'M8 4v4', 'M15 10v4', 'M10 16v4'],
  invert: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M12 3v18', 'M12 7a5 5 0 0 1 0 10'],
  lut: ['M4 18h16', 'M4 18V6', 'M7 15l3-4 3 2 4-6'],
  fit: ['M4 9V4h5', 'M20 9V4h-5', 'M4 15v5h5', 'M20 15v5h-5', 'M9 9h6v6H9z'],
  oneToOne: ['M5 8l2-1.5V17', 'M17 8l2-1.5V17', 'M12 10v.5', 'M12 14v.5'],
  rotateLeft: ['M4 8a8.5 8.5 0 1 1 .5 8', 'M4 3.5V8h4.5'],
  rotateRight: ['M20 8a8.5 8.5 0 1 0-.5 8', 'M20 3.5V8h-4.5'],
  flipH: ['M12 3v18', 'M9 7L4 17h5z', 'M15 7l5 10h-5z'],
  flipV: ['M3 12h18', 'M7 9L17 4v5z', 'M7 15l10 5v-5z'],
  reset: ['M4 12a8 8 0 1 0 2.3-5.6', 'M4 4v5h5'],
  play: ['M7 4.5l12 7.5-12 7.5z'],
  pause: ['M7 5h3.5v14H7z', 'M13.5 5H17v14h-3.5z'],
  corners: ['M4 8V4h4', 'M16 4h4v4', 'M20 16v4h-4', 'M8 20H4v-4', 'M7 8h5', 'M12 16h5'],
  tags: ['M4 4h9l7 7-9 9-7-7z', 'M8.5 8.5h.01'],
  help: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6', 'M12 17v.5'],
  chevronDown: ['M6 9l6 6 6-6'],
  chevronLeft: ['M15 6l-6 6 6 6'],
  globe: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M3 12h18', 'M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z'],
  alert: ['M12 3.5l9.5 16.5h-19z', 'M12 10v4', 'M12 17v.5'],
  lock: ['M6 11h12v10H6z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  wifiOff: ['M3 3l18 18', 'M8.5 16.5a5 5 0 0 1 7 0', 'M5 12.5a10 10 0 0 1 4-2.3', 'M19 12.5a10 10 0 0 0-3-2', 'M2 8.5a15 15 0 0 1 5-3', 'M22 8.5A15 15 0 0 0 11 4.5', 'M12 20h.01'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  check: ['M5 12l5 5 9-10'],
};

/** @param {string} name @param {string} [className] */
export function viewerIcon(name, className = 'vw-icon') {
  return svgIcon(PATHS[name] ?? PATHS.help, className);
}

/**
 * A small picture of a grid layout for the layout menu.
 * @param {number} rows @param {number} cols
 */
export function layoutIcon(rows, cols) {
  /** @type {string[]} */
  const paths = ['M3 4h18v16H3z'];
  for (let c = 1; c < cols; c++) {
    const x = 3 + (18 * c) / cols;
    paths.push(`M${x.toFixed(2)} 4v16`);
  }
  for (let r = 1; r < rows; r++) {
    const y = 4 + (16 * r) / rows;
    paths.push(`M3 ${y.toFixed(2)}h18`);
  }
  return svgIcon(paths, 'vw-icon');
}
