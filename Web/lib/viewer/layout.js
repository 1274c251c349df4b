// Viewport grid arithmetic: the layouts offered, parsing "2x3", and which series goes where when the grid
// changes (a simple hanging rule: keep what the user placed, fill new cells with the next series not on screen).

/** @typedef {{ rows: number, cols: number }} Layout */

export const MAX_ROWS = 4;
export const MAX_COLS = 5;

/** The fixed layouts of the menu (1×1, 1×2, 2×2, 2×3, 3×4 as the requirement lists, plus 2×1). */
/** @type {readonly Layout[]} */
export const LAYOUTS = Object.freeze([
  { rows: 1, cols: 1 },
  { rows: 1, cols: 2 },
  { rows: 2, cols: 1 },
  { rows: 2, cols: 2 },
  { rows: 2, cols: 3 },
  { rows: 3, cols: 4 },
]);

/** @param {Layout} l */
export const layoutName = (l) => `${l.rows}x${l.cols}`;

/**
 * "2x3", "2×3", "2*3", "2 3" → { rows: 2, cols: 3 }; null when not a grid within the limits.
 * @param {string | null | undefined} text
 * @returns {Layout | null}
 */
export function parseLayout(text) {
  const m = /^\s*(\d{1,2})\s*[x×X*,\s]\s*(\d{1,2})\s*$/.exec(String(text ?? ''));
  if (!m) return null;
  const rows = Number(m[1]);
  const cols = Number(m[2]);
  if (!isValidLayout({ rows, cols })) return null;
  return { rows, cols };
}

/** @param {Layout} l */
export function isValidLayout(l) {
  return Number.isInteger(l.rows) && Number.isInteger(l.cols) && l.rows >= 1 && l.cols >= 1 && l.rows <= MAX_ROWS && l.cols <= MAX_COLS;
}

/**
 * Cell index → row and column (row-major, the reading order).
 * @param {Layout} l @param {number} index
 */
export function cellOf(l, index) {
  return { row: Math.floor(index / l.cols), col: index % l.cols };
}

/**
 * Series for each cell of a new grid. Cells keep their series in reading order as far as the new grid has room;
 * empty cells get the series (by position in `seriesOrder`) not already shown, in order; what is left stays empty
 * (null). A series may appear twice only if the user put it twice.
 * @template T
 * @param {(T | null)[]} current series per cell of the old grid
 * @param {number} cells cells in the new grid
 * @param {T[]} seriesOrder every series of the study, in the order of the study browser
 * @returns {(T | null)[]}
 */
export function hang(current, cells, seriesOrder) {
  const out = current.slice(0, cells);
  while (out.length < cells) out.push(null);
  const shown = new Set(out.filter((s) => s !== null));
  const rest = seriesOrder.filter((s) => !shown.has(s));
  for (let i = 0; i < out.length && rest.length; i++) if (out[i] === null) out[i] = /** @type {T} */ (rest.shift());
  return out;
}

/**
 * The active cell after a grid change: the same index if it still exists, else the last cell.
 * @param {number} active @param {number} cells
 */
export function clampActive(active, cells) {
  return Math.max(0, Math.min(active, cells - 1));
}

/**
 * The neighbouring cell in a direction (arrow-key navigation between viewports), staying inside the grid.
 * @param {Layout} l @param {number} index @param {'left' | 'right' | 'up' | 'down'} dir
 */
export function neighbour(l, index, dir) {
  const { row, col } = cellOf(l, index);
  const r = dir === 'up' ? row - 1 : dir === 'down' ? row + 1 : row;
  const c = dir === 'left' ? col - 1 : dir === 'right' ? col + 1 : col;
  if (r < 0 || c < 0 || r >= l.rows || c >= l.cols) return index;
  return r * l.cols + c;
}
