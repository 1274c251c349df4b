// Names of the attributes a tag browser is most often asked about (PS3.6 keywords). Not the whole dictionary:
// unknown tags show as their number, private ones as "Private".

/** @type {Record<string, string>} */
export const KEYWORDS = {
  '00020010': 'TransferSyntaxUID', '00080005': 'SpecificCharacterSet', '00080008': 'ImageType', '00080012': 'InstanceCreationDate',
  '00080013': 'InstanceCreationTime', '00080016': 'SOPClassUID', '00080018': 'SOPInstanceUID', '00080020': 'StudyDate',
  '00080021': 'SeriesDate', '00080022': 'AcquisitionDate', '00080023': 'ContentDate', '00080030': 'StudyTime', '00080031': 'SeriesTime',
  '00080032': 'AcquisitionTime', '00080033': 'ContentTime', '00080050': 'AccessionNumber', '00080060': 'Modality',
  '00080061': 'ModalitiesInStudy', '00080064': 'ConversionType', '00080070': 'Manufacturer', '00080080': 'InstitutionName',
  '00080081': 'InstitutionAddress', '00080090': 'ReferringPhysicianName', '00081010': 'StationName', '00081030': 'StudyDescription',
  '0008103E': 'SeriesDescription', '00081040': 'InstitutionalDepartmentName', '00081050': 'PerformingPhysicianName',
  '00081060': 'NameOfPhysiciansReadingStudy', '00081070': 'OperatorsName', '00081090': 'ManufacturerModelName',
  '00082144': 'RecommendedDisplayFrameRate', '00100010': 'PatientName', '00100020': 'PatientID', '00100021': 'IssuerOfPatientID',
  '00100030': 'PatientBirthDate', '00100040': 'PatientSex', '00101010': 'PatientAge', '00101020': 'PatientSize', '00101030': 'PatientWeight',
  '00180010': 'ContrastBolusAgent', '00180015': 'BodyPartExamined', '00180020': 'ScanningSequence', '00180040': 'CineRate',
  '00180050': 'SliceThickness', '00180060': 'KVP', '00180080': 'RepetitionTime', '00180081': 'EchoTime', '00180087': 'MagneticFieldStrength',
  '00180088': 'SpacingBetweenSlices', '00180090': 'DataCollectionDiameter', '00181000': 'DeviceSerialNumber', '00181020': 'SoftwareVersions',
  '00181030': 'ProtocolName', '00181063': 'FrameTime', '00181100': 'ReconstructionDiameter', '00181110': 'DistanceSourceToDetector',
  '00181111': 'DistanceSourceToPatient', '00181120': 'GantryDetectorTilt', '00181130': 'TableHeight', '00181140': 'RotationDirection',
  '00181150': 'ExposureTime', '00181151': 'XRayTubeCurrent', '00181152': 'Exposure', '00181164': 'ImagerPixelSpacing',
  '00181210': 'ConvolutionKernel', '00185100': 'PatientPosition', '00185101': 'ViewPosition', '0020000D': 'StudyInstanceUID',
  '0020000E': 'SeriesInstanceUID', '00200010': 'StudyID', '00200011': 'SeriesNumber', '00200012': 'AcquisitionNumber',
  '00200013': 'InstanceNumber', '00200020': 'PatientOrientation', '00200032': 'ImagePositionPatient', '00200037': 'ImageOrientationPatient',
  '00200052': 'FrameOfReferenceUID', '00201040': 'PositionReferenceIndicator', '00201041': 'SliceLocation', '00201206': 'NumberOfStudyRelatedSeries',
  '00201208': 'NumberOfStudyRelatedInstances', '00201209': 'NumberOfSeriesRelatedInstances', '00280002': 'SamplesPerPixel',
  '00280004': 'PhotometricInterpretation', '00280006': 'PlanarConfiguration', '00280008': 'NumberOfFrames', '00280009': 'FrameIncrementPointer',
  '00280010': 'Rows', '00280011': 'Columns', '00280030': 'PixelSpacing', '00280034': 'PixelAspectRatio', '00280100': 'BitsAllocated',
  '00280101': 'BitsStored', '00280102': 'HighBit', '00280103': 'PixelRepresentation', '00280301': 'BurnedInAnnotation',
  '00281050': 'WindowCenter', '00281051': 'WindowWidth', '00281052': 'RescaleIntercept', '00281053': 'RescaleSlope',
  '00281054': 'RescaleType', '00281055': 'WindowCenterWidthExplanation', '00281056': 'VOILUTFunction', '00282110': 'LossyImageCompression',
  '00282112': 'LossyImageCompressionRatio', '00282114': 'LossyImageCompressionMethod', '00321060': 'RequestedProcedureDescription',
  '00400244': 'PerformedProcedureStepStartDate', '00400245': 'PerformedProcedureStepStartTime', '00400253': 'PerformedProcedureStepID',
  '7FE00010': 'PixelData',
};

/** @param {string} tag 8 hex digits @returns {string} */
export function keywordOf(tag) {
  const t = tag.toUpperCase();
  if (KEYWORDS[t]) return KEYWORDS[t];
  if (t.endsWith('0000')) return 'GroupLength';
  return parseInt(t.slice(0, 4), 16) % 2 === 1 ? 'Private' : '';
}

/**
 * "00100010" → "(0010,0010)"
 * @param {string} tag
 */
export function tagText(tag) {
  return `(${tag.slice(0, 4)},${tag.slice(4, 8)})`.toUpperCase();
}

/**
 * One attribute's value as text for the browser: PN groups joined with '=', multiple values with '\', binary as
 * a note, sequences as the item count.
 * @param {{ vr: string, Value?: unknown[], BulkDataURI?: string, InlineBinary?: string }} a
 */
export function valueText(a) {
  if (a.BulkDataURI) return `[${a.vr} bulk data]`;
  if (a.InlineBinary) return `[${a.vr} ${Math.floor((a.InlineBinary.length * 3) / 4)} bytes]`;
  if (!a.Value) return '';
  if (a.vr === 'SQ') return `[${a.Value.length} item${a.Value.length === 1 ? '' : 's'}]`;
  return a.Value.map((v) => {
    if (v && typeof v === 'object') {
      const pn = /** @type {Record<string, string>} */ (v);
      return [pn.Alphabetic, pn.Ideographic, pn.Phonetic].filter((x) => x !== undefined).join('=');
    }
    return String(v);
  }).join('\\');
}

/**
 * Rows for a tag browser: the data set flattened, sequence items indented by depth.
 * @param {Record<string, any>} ds DICOM JSON object
 * @param {number} [depth]
 * @returns {{ tag: string, keyword: string, vr: string, value: string, depth: number }[]}
 */
export function tagRows(ds, depth = 0) {
  /** @type {{ tag: string, keyword: string, vr: string, value: string, depth: number }[]} */
  const rows = [];
  for (const tag of Object.keys(ds).sort()) {
    const a = ds[tag];
    rows.push({ tag: tagText(tag), keyword: keywordOf(tag), vr: a.vr, value: valueText(a), depth });
    if (a.vr === 'SQ' && Array.isArray(a.Value)) {
      a.Value.forEach((/** @type {Record<string, any>} */ item, /** @type {number} */ i) => {
        rows.push({ tag: '', keyword: `Item ${i + 1}`, vr: '', value: '', depth: depth + 1 });
        rows.push(...tagRows(item, depth + 1));
      });
    }
  }
  return rows;
}
