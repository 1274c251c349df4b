import test from 'node:test';
import assert from 'node:assert/strict';
import {
  TAG, normalizeTag, attribute, values, value, text, texts, number, personName, personNameString, parseDA, formatDA, formatTM, toDA, isoToDA, ageOn,
  parseAS, ageText,
} from '../lib/dicomjson.js';

/** A study as QIDO-RS answers it (the server's DICOMJSON.encode). */
const study = {
  '00080020': { vr: 'DA', Value: ['20241220'] },
  '00080030': { vr: 'TM', Value: ['093000'] },
  '00080050': { vr: 'SH', Value: ['CT2024001'] },
  '00080061': { vr: 'CS', Value: ['CT', 'OT'] },
  '00080090': { vr: 'PN' },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Zhang^San', Ideographic: '张^三' }] },
  '00100030': { vr: 'DA', Value: ['19650312'] },
  '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
  '00201206': { vr: 'IS', Value: [2] },
  '00201208': { vr: 'IS', Value: ['5'] },
  '00081030': { vr: 'LO', Value: ['胸腹部CT增强 '] },
};

test('tags: any spelling finds the upper-case hex key', () => {
  assert.equal(normalizeTag('(0010,0010)'), '00100010');
  assert.equal(normalizeTag('0020000d'), '0020000D');
  assert.equal(attribute(study, '0020000d')?.vr, 'UI');
  assert.equal(attribute({ '0020000d': { vr: 'UI', Value: ['9'] } }, TAG.StudyInstanceUID)?.Value?.[0], '9');
  assert.equal(attribute(null, TAG.PatientID), undefined);
});

test('values by tag: first value, all values, text, numbers; absent or empty attributes', () => {
  assert.deepEqual(values(study, TAG.ModalitiesInStudy), ['CT', 'OT']);
  assert.equal(value(study, TAG.AccessionNumber), 'CT2024001');
  assert.equal(text(study, TAG.StudyDescription), '胸腹部CT增强');
  assert.deepEqual(texts(study, TAG.ModalitiesInStudy), ['CT', 'OT']);
  assert.equal(number(study, TAG.NumberOfStudyRelatedSeries), 2);
  assert.equal(number(study, TAG.NumberOfStudyRelatedInstances), 5, 'IS sent as a string');
  // Present without a value (empty PN), absent, null in the array.
  assert.deepEqual(values(study, TAG.ReferringPhysicianName), []);
  assert.equal(text(study, TAG.ReferringPhysicianName), '');
  assert.equal(text(study, TAG.PatientID), '');
  assert.equal(number(study, TAG.PatientID), null);
  assert.equal(value({ '00100020': { vr: 'LO', Value: [null] } }, TAG.PatientID), undefined);
  assert.equal(number({ '00201208': { vr: 'IS', Value: ['x'] } }, TAG.NumberOfStudyRelatedInstances), null);
  // A person name as text is in DICOM form.
  assert.equal(text(study, TAG.PatientName), 'Zhang^San=张^三');
});

test('person names: the Chinese group first, the pinyin under it', () => {
  assert.deepEqual(personName({ Alphabetic: 'Zhang^San', Ideographic: '张^三' }), { main: '张三', alt: 'Zhang San' });
  assert.deepEqual(personName('Zhang^San=张^三'), { main: '张三', alt: 'Zhang San' });
  assert.deepEqual(personName({ Alphabetic: 'OuYang^XiaoMing', Ideographic: '欧阳^小明' }), { main: '欧阳小明', alt: 'OuYang XiaoMing' });
  // One group only: no second line, whichever it is.
  assert.deepEqual(personName({ Alphabetic: 'Smith^John' }), { main: 'Smith John', alt: '' });
  assert.deepEqual(personName({ Ideographic: '李^四' }), { main: '李四', alt: '' });
  // A Chinese name written in the alphabetic group (common with Chinese modalities) is written without spaces.
  assert.deepEqual(personName({ Alphabetic: '王^五' }), { main: '王五', alt: '' });
  assert.deepEqual(personName({ Phonetic: 'わん' }), { main: 'わん', alt: '' });
  assert.deepEqual(personName(undefined), { main: '', alt: '' });
  assert.deepEqual(personName(''), { main: '', alt: '' });
  assert.deepEqual(personName({ Alphabetic: '^^^' }), { main: '', alt: '' });
  assert.equal(personNameString({ Alphabetic: 'A^B', Ideographic: '甲' }), 'A^B=甲');
  assert.equal(personNameString({ Ideographic: '甲' }), '=甲');
});

test('DA and TM for reading', () => {
  assert.deepEqual(parseDA('20241220'), { y: 2024, m: 12, d: 20 });
  assert.deepEqual(parseDA('2024.12.20'), { y: 2024, m: 12, d: 20 });
  assert.equal(parseDA('20240230'), null);
  assert.equal(parseDA('2024'), null);
  assert.equal(formatDA('20241220'), '2024-12-20');
  assert.equal(formatDA(''), '');
  assert.equal(formatDA('garbage'), 'garbage');
  assert.equal(formatTM('093000'), '09:30');
  assert.equal(formatTM('093005.123456', { seconds: true }), '09:30:05');
  assert.equal(formatTM('0930'), '09:30');
  assert.equal(formatTM('14'), '14:00');
  assert.equal(formatTM('09:30:00'), '09:30');
  assert.equal(formatTM('256000'), '256000');
  assert.equal(formatTM(undefined), '');
  assert.equal(toDA(new Date(2025, 0, 5, 23, 59)), '20250105');
  assert.equal(isoToDA('2025-01-05'), '20250105');
  assert.equal(isoToDA('2025-02-30'), '');
  assert.equal(isoToDA(''), '');
});

test('age at the exam: years, months under one year, days under one month', () => {
  assert.deepEqual(ageOn('19650312', '20241220'), { n: 59, unit: 'year' });
  assert.deepEqual(ageOn('19650312', '20250311'), { n: 59, unit: 'year' }, 'the day before the birthday');
  assert.deepEqual(ageOn('19650312', '20250312'), { n: 60, unit: 'year' }, 'on the birthday');
  assert.deepEqual(ageOn('20240101', '20241231'), { n: 11, unit: 'month' });
  assert.deepEqual(ageOn('20240115', '20240214'), { n: 30, unit: 'day' });
  assert.deepEqual(ageOn('20240115', '20240215'), { n: 1, unit: 'month' });
  assert.deepEqual(ageOn('20241220', '20241220'), { n: 0, unit: 'day' });
  assert.deepEqual(ageOn('20200229', '20210228'), { n: 1, unit: 'year' }, 'born on 29 February');
  assert.deepEqual(ageOn('20240131', '20240229'), { n: 1, unit: 'month' }, 'end of a short month');
  assert.equal(ageOn('20250101', '20241231'), null, 'born after the exam');
  assert.equal(ageOn('', '20241231'), null);
  assert.equal(ageOn('19650312', ''), null);
});

test('age strings (AS) and the age as written', () => {
  assert.deepEqual(parseAS('045Y'), { n: 45, unit: 'year' });
  assert.deepEqual(parseAS('006M'), { n: 6, unit: 'month' });
  assert.deepEqual(parseAS('018M'), { n: 1, unit: 'year' });
  assert.deepEqual(parseAS('003W'), { n: 21, unit: 'day' });
  assert.deepEqual(parseAS('012D'), { n: 12, unit: 'day' });
  assert.equal(parseAS('45'), null);
  assert.equal(ageText({ n: 59, unit: 'year' }), '59岁');
  assert.equal(ageText({ n: 5, unit: 'month' }), '5月');
  assert.equal(ageText({ n: 12, unit: 'day' }), '12天');
  assert.equal(ageText({ n: 59, unit: 'year' }, 'en'), '59 y');
  assert.equal(ageText({ n: 5, unit: 'month' }, 'en'), '5 mo');
  assert.equal(ageText(null), '');
});
