// A series' WADO-RS metadata → the stack the viewer pages through: images with pixel data, in anatomical order
// (along the slice normal when every image has position and orientation, else by Instance Number), multi-frame
// objects expanded to one entry per frame.
//
// Enhanced multi-frame objects (Enhanced CT/MR/PET, Legacy Converted Enhanced …, PS3.3 C.7.6.16) keep their
// per-frame attributes in functional groups: the Shared Functional Groups Sequence (5200,9229) holds what all frames
// share, the Per-frame Functional Groups Sequence (5200,9230) one item per frame. Each group item holds functional
// group macros, each a sequence of one item (Plane Position (0020,9113) → Image Position (Patient), Plane
// Orientation (0020,9116) → Image Orientation (Patient), Pixel Measures (0028,9110) → Pixel Spacing and Slice
// Thickness, Pixel Value Transformation (0028,9145) → Rescale Slope/Intercept, Frame VOI LUT (0028,9132) → Window
// Center/Width …). Such a frame gets its own metadata (frameMeta): the instance's attributes with those of the
// shared macros and then the frame's own (which win) brought to the top level, so that geometry, calibration,
// Modality LUT and default window work frame by frame with the same code as single-frame images. Its frames are
// then paged like a stack of single-frame images: along the normal when all have parallel orientations and
// positions (two or more distinct), else in acquisition order (frame number).

import { numbers, number, strings } from './pixels.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/**
 * @typedef {object} StackFrame
 * @property {string} key cache key: SOP Instance UID + '/' + frame number
 * @property {string} sop
 * @property {number} frame 1-based, as in WADO-RS /frames/{n}
 * @property {DicomJson} meta the frame's metadata: the instance's, or for an enhanced multi-frame object the
 *   instance's with the frame's functional groups brought to the top level (frameMeta)
 * @property {DicomJson} instance the instance's metadata as the server sent it
 * @property {boolean} perFrame meta describes this frame alone (geometry may differ from frame to frame)
 */
/**
 * @typedef {object} Stack
 * @property {StackFrame[]} frames
 * @property {number | null} frameTime ms between frames of a multi-frame object (Frame Time), for cine
 * @property {boolean} spatial sorted by position along the slice normal
 */

export const T = Object.freeze({
  SOPInstanceUID: '00080018',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  PixelData: '7FE00010',
  FloatPixelData: '7FE00008',
  FrameTime: '00181063',
  RecommendedDisplayFrameRate: '00082144',
  CineRate: '00180040',
  SliceLocation: '00201041',
  SliceThickness: '00180050',
  SharedFunctionalGroups: '52009229',
  PerFrameFunctionalGroups: '52009230',
});

/**
 * Sequences in a functional group item that are not functional group macros: their items describe other
 * objects (the images referenced or derived from), so they are not brought to the top level.
 */
const NOT_MACROS = new Set(['00081140', '00089124']);

/**
 * Whether an instance carries functional groups (an enhanced multi-frame object).
 * @param {DicomJson} meta
 */
export function isEnhanced(meta) {
  const has = (/** @type {string} */ tag) => Array.isArray(meta[tag]?.Value) && /** @type {unknown[]} */ (meta[tag].Value).length > 0;
  return has(T.PerFrameFunctionalGroups) || has(T.SharedFunctionalGroups);
}

/**
 * The metadata of one frame of an enhanced multi-frame object: the instance's attributes, overridden by those of
 * every functional group macro of the Shared Functional Groups item and of the frame's Per-frame Functional Groups
 * item, a per-frame macro replacing the shared macro of the same tag (PS3.3 C.7.6.16: a group is either shared or
 * per-frame, but some writers put both). The result is a new object; the instance's is not changed.
 * @param {DicomJson} meta @param {number} frame 1-based
 * @returns {DicomJson}
 */
export function frameMeta(meta, frame) {
  // By macro: a frame's own Pixel Measures (say) replace the shared one whole, without leftovers from it.
  /** @type {Map<string, object>} */
  const macros = new Map();
  /** @param {unknown} group a functional group item */
  const collect = (group) => {
    if (!group || typeof group !== 'object') return;
    for (const [tag, el] of Object.entries(/** @type {DicomJson} */ (group))) {
      if (NOT_MACROS.has(tag) || el?.vr !== 'SQ' || !Array.isArray(el.Value)) continue;
      const item = el.Value[0];
      if (item && typeof item === 'object') macros.set(tag, item);
    }
  };
  collect(meta[T.SharedFunctionalGroups]?.Value?.[0]);
  collect(meta[T.PerFrameFunctionalGroups]?.Value?.[frame - 1]);
  /** @type {DicomJson} */
  const out = { ...meta };
  for (const item of macros.values()) Object.assign(out, item);
  return out;
}

/** @param {DicomJson} meta */
export function hasPixels(meta) {
  return Boolean(meta[T.PixelData] || meta[T.FloatPixelData]) || number(meta, T.Rows, 0) > 0;
}

/**
 * Unit normal of the image plane (row × column direction cosines), null without a valid orientation.
 * @param {DicomJson} meta @returns {[number, number, number] | null}
 */
export function sliceNormal(meta) {
  const o = numbers(meta, T.ImageOrientationPatient);
  if (o.length !== 6) return null;
  const n = /** @type {[number, number, number]} */ ([o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]);
  const len = Math.hypot(...n);
  return len > 1e-6 ? /** @type {[number, number, number]} */ (n.map((v) => v / len)) : null;
}

/**
 * Position of an image along a normal (mm), null without Image Position.
 * @param {DicomJson} meta @param {[number, number, number]} normal
 */
export function positionAlong(meta, normal) {
  const p = numbers(meta, T.ImagePositionPatient);
  if (p.length !== 3) return null;
  return p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
}

/**
 * @param {DicomJson[]} metas one item per instance (a WADO-RS series metadata response)
 * @returns {Stack}
 */
export function buildStack(metas) {
  const images = metas.filter(hasPixels);
  /** @param {DicomJson} m */
  const inst = (m) => number(m, T.InstanceNumber, Number.MAX_SAFE_INTEGER);
  /** @param {DicomJson} m */
  const sop = (m) => strings(m, T.SOPInstanceUID)[0] ?? '';
  // What is sorted: a single-frame image, a frame of an enhanced object (its own geometry), or a whole
  // multi-frame object without functional groups (cine, NM …: its frames stay together, in their order).
  /** @type {{ geometry: DicomJson, instance: DicomJson, frames: StackFrame[] }[]} */
  const units = [];
  let frameTime = null;
  for (const meta of images) {
    const n = Math.max(1, number(meta, T.NumberOfFrames, 1));
    if (n > 1 && frameTime === null) frameTime = cineInterval(meta);
    const uid = sop(meta);
    if (isEnhanced(meta)) {
      for (let f = 1; f <= n; f++) {
        const m = frameMeta(meta, f);
        units.push({ geometry: m, instance: meta, frames: [{ key: `${uid}/${f}`, sop: uid, frame: f, meta: m, instance: meta, perFrame: true }] });
      }
    } else {
      /** @type {StackFrame[]} */
      const frames = [];
      for (let f = 1; f <= n; f++) frames.push({ key: `${uid}/${f}`, sop: uid, frame: f, meta, instance: meta, perFrame: false });
      units.push({ geometry: meta, instance: meta, frames });
    }
  }
  const normal = units.length ? sliceNormal(units[0].geometry) : null;
  // Spatial order only when all images are parallel to the first and have positions; a localizer or a
  // mixed-orientation series falls back to the acquisition numbering.
  let spatial = Boolean(normal) && units.length > 1;
  /** @type {Map<object, number>} */
  const pos = new Map();
  if (spatial && normal) {
    for (const u of units) {
      const n = sliceNormal(u.geometry);
      const p = positionAlong(u.geometry, normal);
      if (!n || p === null || Math.abs(n[0] * normal[0] + n[1] * normal[1] + n[2] * normal[2]) < 0.999) {
        spatial = false;
        break;
      }
      pos.set(u, p);
    }
    // All at one position (e.g. a multi-phase single slice) says nothing about order.
    if (spatial && new Set(pos.values()).size < 2) spatial = false;
  }
  const sorted = [...units].sort((a, b) => {
    if (spatial) {
      // Ascending along the normal; for axial HFS slices (normal +z, feet → head) that would start at the feet,
      // so sort descending: head first, the way radiologists page a chest or abdomen CT.
      const d = /** @type {number} */ (pos.get(b)) - /** @type {number} */ (pos.get(a));
      if (Math.abs(d) > 1e-6) return d;
    }
    const sa = sop(a.instance);
    const sb = sop(b.instance);
    return inst(a.instance) - inst(b.instance) || (sa < sb ? -1 : sa > sb ? 1 : 0) || a.frames[0].frame - b.frames[0].frame;
  });
  return { frames: sorted.flatMap((u) => u.frames), frameTime, spatial };
}

/**
 * Milliseconds between frames from Frame Time, else the recommended or cine rate; null when none is given.
 * @param {DicomJson} meta
 */
export function cineInterval(meta) {
  const ft = number(meta, T.FrameTime, 0);
  if (ft > 0) return ft;
  const rate = number(meta, T.RecommendedDisplayFrameRate, 0) || number(meta, T.CineRate, 0);
  return rate > 0 ? 1000 / rate : null;
}
