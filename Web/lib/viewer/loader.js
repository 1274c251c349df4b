// Frame loading for the viewer: a pool of module workers fetches and decodes frames (frame-worker.js), a
// FrameQueue decides the order (frame-queue.js), and decoded frames are kept in a byte-budgeted LRU cache
// (lru-cache.js) that never evicts what is on screen. The budget follows the device's memory.

import { ByteLRU } from './lru-cache.js';
import { FrameQueue } from './frame-queue.js';
import { imageInfo } from './pixels.js';
import { urls, DicomwebError } from './dicomweb.js';

/** @typedef {import('./gl-renderer.js').Frame} Frame */
/** @typedef {import('./pixels.js').ImageInfo} ImageInfo */
/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {import('./series.js').StackFrame} StackFrame */
/** @typedef {{ url: string, info: ImageInfo }} Source */

const MB = 1024 * 1024;

/**
 * Decoded-frame budget for this device: about a tenth of its memory (navigator.deviceMemory, GiB, capped at 8
 * by browsers), between 192 MB and 768 MB; 384 MB when the browser does not say.
 * @param {number | undefined} deviceMemory
 */
export function frameBudget(deviceMemory) {
  if (!deviceMemory || !Number.isFinite(deviceMemory)) return 384 * MB;
  return Math.min(768 * MB, Math.max(192 * MB, Math.round(deviceMemory * 96) * MB));
}

export class FrameLoader {
  /**
   * @param {{ concurrency?: number, budget?: number, onFrame?: (key: string, frame: Frame) => void,
   *   onError?: (key: string, error: DicomwebError) => void, inUse?: (key: string) => boolean }} [options]
   */
  constructor(options = {}) {
    const concurrency = options.concurrency ?? 4;
    /** @type {ByteLRU<Frame>} */
    this.cache = new ByteLRU(options.budget ?? frameBudget(/** @type {any} */ (navigator).deviceMemory), { inUse: options.inUse });
    /** @type {Map<string, Source>} */
    this.sources = new Map();
    /** @type {Map<DicomJson, ImageInfo>} */
    this.infos = new Map();
    this.onFrame = options.onFrame;
    this.onError = options.onError;
    this.loaded = 0;
    this.bytes = 0;
    /** @type {Worker[]} */
    this.workers = [];
    /** @type {Map<number, { resolve: (v: any) => void }>} */
    this.calls = new Map();
    this.nextId = 1;
    for (let i = 0; i < concurrency; i++) {
      const w = new Worker(new URL('./frame-worker.js', import.meta.url), { type: 'module' });
      w.onmessage = (e) => {
        const call = this.calls.get(e.data.id);
        this.calls.delete(e.data.id);
        call?.resolve(e.data);
      };
      this.workers.push(w);
    }
    this.queue = new FrameQueue((key) => this.fetch(key), {
      concurrency,
      has: (key) => this.cache.has(key),
      onError: (key, error) => this.onError?.(key, error instanceof DicomwebError ? error : new DicomwebError(0, String(error))),
    });
  }

  /**
   * Makes a series' frames loadable.
   * @param {string} study @param {string} series @param {StackFrame[]} frames
   */
  register(study, series, frames) {
    for (const f of frames) {
      if (this.sources.has(f.key)) continue;
      this.sources.set(f.key, { url: urls.frame(study, series, f.sop, f.frame), info: this.info(f.meta) });
    }
  }

  /** @param {DicomJson} meta */
  info(meta) {
    let info = this.infos.get(meta);
    if (!info) {
      info = imageInfo(meta);
      this.infos.set(meta, info);
    }
    return info;
  }

  /** @param {string} key @returns {Frame | undefined} */
  get(key) {
    return this.cache.get(key);
  }

  /**
   * How many frames of a series fit the budget (to bound prefetching).
   * @param {ImageInfo} info
   */
  capacity(info) {
    const bytes = info.rows * info.columns * (info.samplesPerPixel === 3 ? 3 : info.bitsAllocated > 8 || info.pixelRepresentation ? 2 : 1);
    return Math.max(1, Math.floor((this.cache.budget * 0.9) / Math.max(1, bytes)));
  }

  /** @param {string[]} keys the wanted order, most wanted first */
  want(keys) {
    this.queue.setOrder(keys);
  }

  retry() {
    this.queue.retryFailed();
  }

  /** @param {string} key */
  async fetch(key) {
    const source = this.sources.get(key);
    if (!source) throw new DicomwebError(0, `unknown frame ${key}`);
    const worker = this.workers[this.nextId % this.workers.length];
    const id = this.nextId++;
    /** @type {any} */
    const answer = await new Promise((resolve) => {
      this.calls.set(id, { resolve });
      worker.postMessage({ id, url: source.url, info: source.info });
    });
    if (answer.error) throw new DicomwebError(answer.status ?? 0, answer.error);
    /** @type {Frame} */
    const frame = { key, info: source.info, pixels: answer.pixels };
    this.cache.set(key, frame, frame.pixels.byteLength);
    this.loaded++;
    this.bytes += answer.bytes ?? 0;
    this.onFrame?.(key, frame);
  }

  destroy() {
    for (const w of this.workers) w.terminate();
  }
}
