// A least-recently-used cache bounded by bytes rather than entries, because frames differ wildly in size
// (a 256² MR slice is 128 KiB, a 3k×2k CR 12 MiB). The renderer keeps its GPU textures in one; the frame cache
// of the loader can use another. Entries the caller says are in use (on screen) are never evicted, so a budget
// smaller than what is on screen overshoots rather than thrashes.

/**
 * @template V
 * @typedef {{ value: V, bytes: number }} Entry
 */

/** @template V */
export class ByteLRU {
  /**
   * @param {number} budget bytes
   * @param {{ onEvict?: (key: string, value: V) => void, inUse?: (key: string) => boolean }} [hooks]
   */
  constructor(budget, hooks = {}) {
    this.budget = budget;
    this.bytes = 0;
    this.onEvict = hooks.onEvict;
    this.inUse = hooks.inUse;
    /** Map keeps insertion order; re-inserting on every use makes the first key the least recently used. */
    /** @type {Map<string, Entry<V>>} */
    this.map = new Map();
  }

  get size() {
    return this.map.size;
  }

  /** @param {string} key */
  has(key) {
    return this.map.has(key);
  }

  /**

   * Read and mark as most recently used.

   * @param {string} key @returns {V | undefined}

   */
  get(key) {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /**

   * Read without touching the order.

   * @param {string} key @returns {V | undefined}

   */
  peek(key) {
    return this.map.get(key)?.value;
  }

  /**
   * Add or replace, then evict down to the budget. A replaced value is handed to onEvict too (its GPU memory
   * must be freed) unless it is the same object.
   * @param {string} key @param {V} value @param {number} bytes
   */
  set(key, value, bytes) {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.bytes -= old.bytes;
      if (old.value !== value) this.onEvict?.(key, old.value);
    }
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    this.trim(key);
  }

  /**

   * Remove without calling onEvict (the caller frees it).

   * @param {string} key @returns {V | undefined}

   */
  delete(key) {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.bytes -= e.bytes;
    return e.value;
  }

  /** @param {number} budget */
  setBudget(budget) {
    this.budget = budget;
    this.trim();
  }

  /** Keys from least to most recently used. */
  keys() {
    return [...this.map.keys()];
  }

  /** @returns {[string, V][]} least recently used first */
  entries() {
    return [...this.map].map(([k, e]) => [k, e.value]);
  }

  /** Evict everything (onEvict for each). */
  clear() {
    const all = [...this.map];
    this.map.clear();
    this.bytes = 0;
    for (const [k, e] of all) this.onEvict?.(k, e.value);
  }

  /**

   * Evict least recently used entries until within budget, sparing `keep` and entries in use.

   * @param {string} [keep]

   */
  trim(keep) {
    if (this.bytes <= this.budget) return;
    for (const [k, e] of [...this.map]) {
      if (this.bytes <= this.budget) break;
      if (k === keep || this.inUse?.(k)) continue;
      this.map.delete(k);
      this.bytes -= e.bytes;
      this.onEvict?.(k, e.value);
    }
  }
}
