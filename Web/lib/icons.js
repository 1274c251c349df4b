// Line icons (24×24, stroked). Drawn for this project.
import { svgIcon } from './dom.js';

const CIRCLE = 'M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z';

/** @type {Record<string, string[]>} */
const PATHS = {
  home: ['M3 11l9-7 9 7', 'M5 9.5V20h5v-6h4v6h5V9.5'],
  calendar: ['M5 5h14a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z', 'M4 10h16', 'M8 3v4', 'M16 3v4'],
  monitor: ['M4 4h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z', 'M8 20h8', 'M12 16v4'],
  fileText: ['M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z', 'M14 3v5h5', 'M9 13h6', 'M9 17h6'],
  video: ['M4 7h10a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z', 'M15 10.5l6-3.5v10l-6-3.5'],
  checkCircle: [CIRCLE, 'M8 12.5l3 3 5-6'],
  barChart: ['M4 20h16', 'M7 16v-5', 'M12 16V6', 'M17 16V9'],
  film: ['M5 4h14a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z', 'M8 4v16', 'M16 4v16', 'M4 9h4', 'M4 15h4', 'M16 9h4', 'M16 15h4'],
  database: ['M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3z', 'M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6', 'M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3'],
  activity: ['M3 12h4l3-8 4 16 3-8h4'],
  users: ['M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1', 'M16 3.5a4 4 0 0 1 0 7', 'M19 14.5a6 6 0 0 1 3 5.5v1'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21v-1a7 7 0 0 1 7-7h2a7 7 0 0 1 7 7v1'],
  key: ['M12 15a4 4 0 1 1-8 0 4 4 0 0 1 8 0z', 'M10.8 12.2L20 3', 'M16 7l3 3', 'M18.5 4.5l2 2'],
  book: ['M4 19V5a2 2 0 0 1 2-2h14v18H6a2 2 0 0 1-2-2z', 'M4 19a2 2 0 0 1 2-2h14', 'M9 7h7'],
  shield: ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'M9 12l2 2 4-4'],
  clipboard: ['M9 3h6v3H9z', 'M9 5H6a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V6a1 1 0 0 0-1-1h-3', 'M9 12h6', 'M9 16h6'],
  lock: ['M6 11h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  logout: ['M10 4H5v16h5', 'M16 8l4 4-4 4', 'M20 12H10'],
  globe: [CIRCLE, 'M3 12h18', 'M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z'],
  chevronDown: ['M6 9l6 6 6-6'],
  chevronLeft: ['M15 6l-6 6 6 6'],
  chevronRight: ['M9 6l6 6-6 6'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  plus: ['M12 5v14', 'M5 12h14'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  upload: ['M12 16V4', 'M7 9l5-5 5 5', 'M4 20h16'],
  download: ['M12 4v12', 'M7 11l5 5 5-5', 'M4 20h16'],
  inbox: ['M3 13h5l2 3h4l2-3h5', 'M5.5 5h13l2.5 8v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-6z'],
  alert: ['M12 3.5l9.5 16.5h-19z', 'M12 10v4', 'M12 17v.5'],
  info: [CIRCLE, 'M12 11v6', 'M12 7.5v.5'],
  clock: [CIRCLE, 'M12 7v5l3 2'],
  copy: ['M9 9h10a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9a1 1 0 0 1-1-1V10a1 1 0 0 1 1-1z', 'M5 15H4V4h11v1'],
  refresh: ['M20 11a8 8 0 0 0-14.9-3', 'M4 4v4h4', 'M4 13a8 8 0 0 0 14.9 3', 'M20 20v-4h-4'],
  check: ['M5 12l5 5 9-10'],
  hospital: ['M4 21V7l8-4 8 4v14', 'M2 21h20', 'M9 21v-5h6v5', 'M12 7v5', 'M9.5 9.5h5'],
  arrowRight: ['M5 12h14', 'M13 6l6 6-6 6'],
  // Three linked boxes: DICOM nodes talking to each other.
  network: ['M9 3h6a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H9a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z', 'M3 15h6a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z', 'M15 15h6a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1h-6a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z', 'M12 9v3', 'M6 15v-3h12v3'],
  server: ['M4 4h16a1 1 0 0 1 1 1v5H3V5a1 1 0 0 1 1-1z', 'M3 10h18v5a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z', 'M7 7h.01', 'M7 13h.01', 'M12 16v4', 'M8 20h8'],
  zap: ['M13 3L5 13h6l-1 8 8-10h-6z'],
};

/**
 * @param {string} name
 * @param {string} [className]
 */
export function icon(name, className) {
  return svgIcon(PATHS[name] || PATHS.info, className);
}

/** The Yunying mark: a cloud holding a round "image" (lens / cross-section). */
export function logoMark(className = 'logo-mark') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 40 40');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  const parts = [
    ['rect', { x: '0', y: '0', width: '40', height: '40', rx: '9', fill: '#1766d1' }],
    ['path', { d: 'M12 28h17a6 6 0 0 0 .6-12A8.5 8.5 0 0 0 13.3 14 7 7 0 0 0 12 28z', fill: '#ffffff' }],
    ['circle', { cx: '20', cy: '21', r: '4.2', fill: 'none', stroke: '#1766d1', 'stroke-width': '2' }],
    ['circle', { cx: '20', cy: '21', r: '1.4', fill: '#1766d1' }],
  ];
  for (const [tag, attrs] of /** @type {[string, Record<string, string>][]} */ (parts)) {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.appendChild(el);
  }
  return svg;
}
