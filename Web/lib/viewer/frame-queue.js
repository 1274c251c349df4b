// Which frames to fetch, in what order, and how many at once. Pure logic (the fetching itself is injected), so
// that the order can be unit-tested: the slice on screen first, then outwards, two ahead in the direction the
// user is scrolling for each one behind, because that is where the next look will be.

/**
 * Stack indices in fetch order around `current`.
 * @param {number} count frames in the stack
 * @param {number} current index on screen
 * @param {number} [direction] +1 scrolling towards higher indices, −1 towards lower
 * @param {number} [limit] at most this many indices (the cache budget's worth)
 * @returns {number[]}
 */
export function priorityOrder(count, current, direction = 1, limit = count) {
  /** @type {number[]} */
  const out = [];
  if (count <= 0 || limit <= 0) return out;
  const c = Math.max(0, Math.min(count - 1, Math.round(current)));
  const d = direction < 0 ? -1 : 1;
  out.push(c);
  let ahead = 1;
  let behind = 1;
  const max = Math.min(count, limit);
  while (out.length < max) {
    const before = out.length;
    for (let k = 0; k < 2 && out.length < max; k++) {
      const i = c + d * ahead;
      if (i >= 0 && i < count) {
        out.push(i);
        ahead++;
      } else break;
    }
    if (out.length < max) {
      const i = c - d * behind;
      if (i >= 0 && i < count) {
        out.push(i);
        behind++;
      }
    }
    if (out.length === before) {
      // One side is exhausted: drain the other.
      const i = c + d * ahead;
      const j = c - d * behind;
      if (i >= 0 && i < count) {
        out.push(i);
        ahead++;
      } else if (j >= 0 && j < count) {
        out.push(j);
        behind++;
      } else break;
    }
  }
  return out;
}

/**
 * Several stacks' orders merged fairly: the first of each, then the second of each, … (all visible viewports
 * get their current slice before any gets its neighbours). Duplicates keep their first place.
 * @template T
 * @param {T[][]} lists
 * @returns {T[]}
 */
export function interleave(lists) {
  /** @type {T[]} */
  const out = [];
  const seen = new Set();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const l of lists) {
      if (i < l.length && !seen.has(l[i])) {
        seen.add(l[i]);
        out.push(l[i]);
      }
    }
  }
  return out;
}

/**
 * A fetch queue with a concurrency limit whose order can be replaced at any time. Keys that are done (`has`
 * says so) or in flight are skipped; keys dropped from a new order are simply not fetched (requests already
 * running finish and are kept).
 */
export class FrameQueue {
  /**
   * @param {(key: string) => Promise<void>} run fetches and stores one key
   * @param {{ concurrency?: number, has?: (key: string) => boolean, onError?: (key: string, error: unknown) => void }} [options]
   */
  constructor(run, options = {}) {
    this.run = run;
    this.concurrency = options.concurrency ?? 4;
    this.has = options.has ?? (() => false);
    this.onError = options.onError;
    /** @type {string[]} */
    this.pending = [];
    /** @type {Set<string>} */
    this.inFlight = new Set();
    /** Keys that failed, not retried until `retryFailed` (a broken frame must not be fetched in a loop). */
    /** @type {Set<string>} */
    this.failed = new Set();
    /** Every key started, in order (tests read it). */
    /** @type {string[]} */
    this.started = [];
    /** @type {(() => void)[]} */
    this.idleWaiters = [];
  }

  /** @param {string[]} keys the complete wanted order, most wanted first */
  setOrder(keys) {
    this.pending = keys.filter((k) => !this.inFlight.has(k) && !this.failed.has(k) && !this.has(k));
    this.pump();
  }

  /** Forget failures so that their keys may be fetched again (the user pressed 重试). */
  retryFailed() {
    this.failed.clear();
  }

  get idle() {
    return this.inFlight.size === 0 && this.pending.length === 0;
  }

  /** Resolves when nothing is pending or running. */
  whenIdle() {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(() => resolve(undefined)));
  }

  pump() {
    while (this.inFlight.size < this.concurrency && this.pending.length) {
      const key = /** @type {string} */ (this.pending.shift());
      if (this.has(key) || this.inFlight.has(key)) continue;
      this.inFlight.add(key);
      this.started.push(key);
      this.run(key)
        .catch((error) => {
          this.failed.add(key);
          this.onError?.(key, error);
        })
        .finally(() => {
          this.inFlight.delete(key);
          this.pump();
        });
    }
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }
}
