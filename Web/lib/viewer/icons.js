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
  probe: ['M12 3v5', 'M12 16v5', 'M3 12h5', 'M16 12h5', 'M12 9.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z'],
  length: ['M5 19L19 5', 'M3 17l4 4', 'M17 3l4 4', 'M9.5 14.5l-1.5-1.5', 'M14.5 9.5L13 8'],
  rect: ['M4 6h16v12H4z'],
  ellipse: ['M12 5c4.97 0 9 3.13 9 7s-4.03 7-9 7-9-3.13-9-7 4.03-7 9-7z'],
  polygon: ['M5 9l7-5 7 4-2 11H7z'],
  freehand: ['M5 15c-1.5-4 1-9 6-10s9 2 8 6-5 2.5-5.5 5.5S11 21 8 19.5 5.5 16.5 5 15z'],
  angle: ['M4 20L17 5', 'M4 20h16', 'M11 20a7 7 0 0 0-2.4-5.3'],
  cobb: ['M3 6l18 4', 'M3 18l18-4', 'M17 9.1v5.8'],
  ctr: ['M8 9h8', 'M4 16h16', 'M8 7v4', 'M16 7v4', 'M4 14v4', 'M20 14v4'],
  text: ['M5 7V4h14v3', 'M12 4v16', 'M9 20h6'],
  arrow: ['M19 19L5 5', 'M5 5h7', 'M5 5v7'],
  palette: ['M12 3a9 9 0 1 0 0 18c1 0 1.5-.8 1.5-1.5 0-1-1-1.3-1-2.3 0-.8.7-1.2 1.5-1.2H17a4 4 0 0 0 4-4c0-5-4-9-9-9z', 'M7.5 11.5h.01', 'M10 7.5h.01', 'M14.5 7.5h.01'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13', 'M10 11v6', 'M14 11v6'],
  eraser: ['M8 20h12', 'M3.5 14.5l9.5-9.5 6 6-9 9H8z', 'M9 9l6 6'],
  cloud: ['M7 18a4.5 4.5 0 1 1 1-8.9A6 6 0 0 1 19.5 11 3.5 3.5 0 0 1 18 18z'],
  chevronDown: ['M6 9l6 6 6-6'],
  chevronLeft: ['M15 6l-6 6 6 6'],
  globe: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M3 12h18', 'M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z'],
  alert: ['M12 3.5l9.5 16.5h-19z', 'M12 10v4', 'M12 17v.5'],
  lock: ['M6 11h12v10H6z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  wifiOff: ['M3 3l18 18', 'M8.5 16.5a5 5 0 0 1 7 0', 'M5 12.5a10 10 0 0 1 4-2.3', 'M19 12.5a10 10 0 0 0-3-2', 'M2 8.5a15 15 0 0 1 5-3', 'M22 8.5A15 15 0 0 0 11 4.5', 'M12 20h.01'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  check: ['M5 12l5 5 9-10'],
  refLines: ['M4 5h16v14H4z', 'M4 10.5L20 14', 'M9 5v14'],
  sync: ['M10 7H7a5 5 0 0 0 0 10h3', 'M14 7h3a5 5 0 0 1 0 10h-3', 'M8 12h8'],
  locate: ['M12 3v6', 'M12 15v6', 'M3 12h6', 'M15 12h6', 'M12 11.5v1'],
  tile: ['M4 4h4v4H4z', 'M10 4h4v4h-4z', 'M16 4h4v4h-4z', 'M4 10h4v4H4z', 'M10 10h4v4h-4z', 'M16 10h4v4h-4z', 'M4 16h4v4H4z', 'M10 16h4v4h-4z'],
  star: ['M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z'],
  export: ['M12 4v11', 'M7.5 10.5L12 15l4.5-4.5', 'M4 15v5h16v-5'],
  exportStudy: ['M4 7h5l2 2h9v10H4z', 'M12 11v6', 'M9.5 14.5L12 17l2.5-2.5'],
  magnify: ['M10 16.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13z', 'M14.7 14.7L21 21', 'M7.5 8h5v4.5h-5z'],
  overlays: ['M12 3.5l9 4.5-9 4.5L3 8z', 'M3 12.5l9 4.5 9-4.5', 'M3 16.5l9 4.5 9-4.5'],
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
