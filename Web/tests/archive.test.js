import test from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanFilters, filterQuery, studyExportHref, statisticsExportHref, filtersFromQuery, checkRanges, cloudState, cloudCountsText, CLOUD_STATES,
  completenessState, completenessReason, COMPLETENESS_STATES, missingText, accessActionText, ACCESS_ACTIONS, STAT_GROUPS, UPLOAD_GROUPS,
  statKeyText, statTotals, formatBytes, formatCount, percentText, dicomDate, modalitiesText, personName, sexKey, niceScale, stackSegments, chartRows,
  MODALITIES, ARCHIVE_TABS, MATCH_STATES, matchState, matchReason, EXAM_STATES, examState, matchErrorKey, queueCountText,
  suggestedExam, RULE_KEYS, RULE_ACTIONS, ruleAction, ruleKeyLabel, ruleKeyChip, orderRules, moveRule, ruleWindowText, ruleFormPayload,
  CONVERT_ACCEPT, CONVERT_MAX_FILES, CONVERT_MAX_BYTES, CONVERSION_TYPES, convertFileKind, checkConvertFiles, studySearchQuery, qidoStudy, convertFields,
  convertResultOf, convertCounts, convertMessage, progressPercent, convertBatches,
} from '../lib/archive.js';
import { createTranslator, CATALOGS } from '../lib/i18n.js';

const zh = createTranslator(CATALOGS, 'zh-CN');
const en = createTranslator(CATALOGS, 'en');

test('filters: trimmed, empty ones left out, modality upper-cased, unknown names dropped', () => {
  assert.deepEqual(cleanFilters({ patientName: ' 张 ', patientId: '', modality: 'ct', cloud: null, institutionId: 2, other: 'x' }), {
    patientName: '张',
    modality: 'CT',
    institutionId: '2',
  });
  assert.equal(filterQuery({}), '');
  assert.equal(filterQuery({ patientName: '张', studyFrom: '2024-12-01' }), '?patientName=%E5%BC%A0&studyFrom=2024-12-01');
  assert.equal(filterQuery({ modality: 'MR' }, { page: 2, pageSize: 20, lang: '' }), '?modality=MR&page=2&pageSize=20');
});

test('Excel links carry the filters and the page language', () => {
  assert.equal(studyExportHref({}, 'zh-CN'), '/api/archive/studies/export.xlsx?lang=zh-CN');
  assert.equal(studyExportHref({ cloud: 'failed', accessionNumber: 'CT1 ' }, 'en'), '/api/archive/studies/export.xlsx?accessionNumber=CT1&cloud=failed&lang=en');
  assert.equal(statisticsExportHref({ by: 'archiveDay', from: '2026-01-01' }, 'en'), '/api/archive/statistics/export.xlsx?by=archiveDay&from=2026-01-01&lang=en');
  assert.equal(statisticsExportHref({ by: 'modality', from: '', to: '2026-02-01' }, 'zh-CN'), '/api/archive/statistics/export.xlsx?by=modality&to=2026-02-01&lang=zh-CN');
});

test('filters can come from the route', () => {
  assert.deepEqual(filtersFromQuery(new URLSearchParams('cloud=failed&modality=mr&page=3&patientName=')), { modality: 'MR', cloud: 'failed' });
});

test('a range whose end is before its start is marked under its end', () => {
  assert.deepEqual(checkRanges({ studyFrom: '2025-01-10', studyTo: '2025-01-01' }), { studyTo: { key: 'archive.rangeError' } });
  assert.deepEqual(checkRanges({ receivedFrom: '2025-01-01', receivedTo: '2025-01-01', from: '2025-03-01', to: '2025-02-01' }), { to: { key: 'archive.rangeError' } });
  assert.deepEqual(checkRanges({ studyFrom: '2025-01-10' }), {});
  // Not a day (the server checks those and says so under the input).
  assert.deepEqual(checkRanges({ studyFrom: '2025', studyTo: '2024-01-01' }), {});
});

test('cloud states have texts and colours; counts go in the tooltip', () => {
  assert.deepEqual(cloudState(zh, 'failed'), { label: '上传失败', tone: 'red' });
  assert.deepEqual(cloudState(zh, 'uploaded'), { label: '已上传', tone: 'green' });
  assert.deepEqual(cloudState(en, 'partial'), { label: 'Partly uploaded', tone: 'blue' });
  assert.deepEqual(cloudState(zh, 'weird'), { label: 'weird', tone: 'gray' });
  for (const [, key] of CLOUD_STATES) assert.notEqual(zh(key), key);
  assert.equal(cloudCountsText(zh, { uploaded: 3, pending: 2, failed: 0, evicted: 0 }), '已上传 3 · 待上传 2 · 上传失败 0');
  assert.equal(cloudCountsText(en, { uploaded: 3, pending: 0, failed: 1, evicted: 2 }), 'uploaded 3 · waiting 0 · failed 1 · cloud only 2');
});

test('completeness: states, and the server\'s Chinese reasons said again in English', () => {
  assert.deepEqual(completenessState(zh, 'incomplete'), { label: '不完整', tone: 'red' });
  assert.deepEqual(completenessState(zh, 'receiving'), { label: '接收中', tone: 'orange' });
  for (const [, key] of COMPLETENESS_STATES) assert.notEqual(en(key), key);
  assert.equal(completenessReason(zh, '序列 2 应有 10 幅，已收到 8 幅', 'zh-CN'), '序列 2 应有 10 幅，已收到 8 幅');
  assert.equal(completenessReason(en, '序列 2 应有 10 幅，已收到 8 幅', 'en'), 'Series 2 should have 10 images; 8 received');
  assert.equal(completenessReason(en, 'MPPS 报告的 1 个序列尚未收到', 'en'), '1 series reported in MPPS have not arrived');
  assert.equal(completenessReason(en, '序列 3 图像编号不连续，缺少 4、7', 'en'), 'Image numbers of series 3 have gaps: 4, 7 missing');
  assert.equal(completenessReason(en, '序列 3 图像编号不连续，缺少 1、2、3、4、5 等', 'en'), 'Image numbers of series 3 have gaps: 1, 2, 3, 4, 5 and more missing');
  assert.equal(completenessReason(en, '最近仍有图像到达，请稍候再检查', 'en'), 'Images arrived a moment ago; check again shortly');
  assert.equal(completenessReason(en, '图像编号连续，未发现缺失', 'en'), 'Image numbers run without gaps; nothing missing');
  assert.equal(completenessReason(en, '与 MPPS 报告的序列和图像数一致', 'en'), 'Matches the series and image counts reported in MPPS');
  assert.equal(completenessReason(en, '别的原因', 'en'), '别的原因');
  assert.equal(missingText([], '、'), '—');
  assert.equal(missingText([3, 5], '、'), '3、5');
  assert.equal(missingText([1, 2, 3, 4], ', ', 3), '1, 2, 3, …');
});

test('access log actions have names in both languages', () => {
  for (const key of Object.values(ACCESS_ACTIONS)) {
    assert.notEqual(zh(key), key);
    assert.notEqual(en(key), key);
  }
  assert.equal(accessActionText(zh, 'dicomweb.frames'), '调阅图像');
  assert.equal(accessActionText(zh, 'viewer.open'), '阅片');
  assert.equal(accessActionText(zh, 'something.else'), '');
});

test('statistics keys as people read them', () => {
  assert.equal(statKeyText(zh, 'studyMonth', '202412'), '2024-12');
  assert.equal(statKeyText(zh, 'studyDay', '20241220'), '2024-12-20');
  assert.equal(statKeyText(zh, 'archiveDay', '2026-11-29'), '2026-11-29');
  assert.equal(statKeyText(zh, 'modality', 'CT\\OT'), 'CT/OT');
  assert.equal(statKeyText(zh, 'institution', ''), '（未填写）');
  assert.equal(statKeyText(en, 'modality', ' '), '(not given)');
  for (const [, key] of [...STAT_GROUPS, ...UPLOAD_GROUPS]) assert.notEqual(en(key), key);
  assert.deepEqual(statTotals([{ studies: 1, instances: 5, bytes: 10 }, { studies: 2, instances: 4, bytes: 5 }]), { studies: 3, instances: 9, bytes: 15 });
  assert.deepEqual(statTotals([]), { studies: 0, instances: 0, bytes: 0 });
});

test('byte sizes, counts and percentages', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(null), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1024), '1 KB');
  assert.equal(formatBytes(18392), '18 KB');
  assert.equal(formatBytes(579218), '566 KB');
  assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MB');
  assert.equal(formatBytes(36.75 * 1024 ** 3), '36.8 GB');
  assert.equal(formatBytes(3 * 1024 ** 4), '3 TB');
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(12), '12');
  assert.equal(percentText(0, 10), '0%');
  assert.equal(percentText(1, 3), '33%');
  assert.equal(percentText(1, 200), '0.5%');
  assert.equal(percentText(5, 5), '100%');
  assert.equal(percentText(3, 0), '0%');
});

test('DICOM dates, modalities, names and sex', () => {
  assert.equal(dicomDate('20241220'), '2024-12-20');
  assert.equal(dicomDate(''), '');
  assert.equal(dicomDate('2024'), '2024');
  assert.equal(modalitiesText('CT\\OT'), 'CT/OT');
  assert.equal(modalitiesText(''), '');
  assert.deepEqual(personName('Zhang^San=张^三'), { main: '张三', alt: 'Zhang San' });
  assert.deepEqual(personName('Li^Ming'), { main: 'Li Ming', alt: '' });
  assert.deepEqual(personName('=王^五'), { main: '王五', alt: '' });
  assert.deepEqual(personName(''), { main: '', alt: '' });
  assert.equal(zh(sexKey('M')), '男');
  assert.equal(zh(sexKey('f')), '女');
  assert.equal(sexKey(''), '');
});

test('chart scale: round steps from zero past the largest value', () => {
  assert.deepEqual(niceScale(0), { max: 1, step: 1, ticks: [0, 1] });
  assert.deepEqual(niceScale(2), { max: 2, step: 1, ticks: [0, 1, 2] });
  assert.deepEqual(niceScale(8), { max: 8, step: 2, ticks: [0, 2, 4, 6, 8] });
  assert.deepEqual(niceScale(9), { max: 10, step: 5, ticks: [0, 5, 10] });
  assert.deepEqual(niceScale(37), { max: 40, step: 10, ticks: [0, 10, 20, 30, 40] });
  assert.deepEqual(niceScale(1234).ticks, [0, 500, 1000, 1500]);
  const s = niceScale(87654);
  assert.ok(s.max >= 87654 && s.ticks.length <= 6 && Number.isInteger(s.step));
});

test('stacked bar segments keep order, start where the last ended, and show small parts', () => {
  assert.deepEqual(stackSegments([5, 0, 5], 10, 200), [{ x: 0, width: 100 }, { x: 100, width: 0 }, { x: 100, width: 100 }]);
  const tiny = stackSegments([1, 999], 1000, 100);
  assert.equal(tiny[0].width, 1);
  assert.equal(tiny[1].x, 1);
  assert.deepEqual(stackSegments([0], 0, 100), [{ x: 0, width: 0 }]);
});

test('charts draw the last keys when there are too many', () => {
  assert.deepEqual(chartRows([1, 2, 3], 5), { rows: [1, 2, 3], hidden: 0 });
  assert.deepEqual(chartRows([1, 2, 3, 4, 5], 2), { rows: [4, 5], hidden: 3 });
});

test('the tabs and modalities the page offers', () => {
  assert.deepEqual([...ARCHIVE_TABS], ['studies', 'matching', 'statistics', 'upload', 'convert']);
  for (const tab of ARCHIVE_TABS) {
    assert.notEqual(zh(`archive.tab.${tab}`), `archive.tab.${tab}`);
    assert.notEqual(en(`archive.tab.${tab}`), `archive.tab.${tab}`);
  }
  assert.deepEqual(MODALITIES, ['CT', 'MR', 'CR', 'DX', 'DR', 'US', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT']);
});

test('match states have texts and colours; an empty state is still being matched', () => {
  assert.deepEqual(matchState(zh, 'matched'), { label: '已匹配', tone: 'green' });
  assert.deepEqual(matchState(zh, 'auto-registered'), { label: '补登记', tone: 'blue' });
  assert.deepEqual(matchState(zh, 'conflict'), { label: '冲突', tone: 'red' });
  assert.deepEqual(matchState(zh, 'unmatched'), { label: '未匹配', tone: 'orange' });
  assert.deepEqual(matchState(zh, ''), { label: '匹配中', tone: 'gray' });
  assert.deepEqual(matchState(zh, undefined), { label: '匹配中', tone: 'gray' });
  assert.deepEqual(matchState(en, 'auto-registered'), { label: 'Registered', tone: 'blue' });
  assert.deepEqual(matchState(zh, 'odd'), { label: 'odd', tone: 'gray' });
  // A rule's proposal waiting for a person: its own colour, used by no other state.
  assert.deepEqual(matchState(zh, 'suggested'), { label: '建议匹配', tone: 'purple' });
  assert.deepEqual(matchState(en, 'suggested'), { label: 'Proposed', tone: 'purple' });
  assert.equal(MATCH_STATES.filter(([, , tone]) => tone === 'purple').length, 1);
  for (const [, key] of MATCH_STATES) {
    assert.notEqual(zh(key), key);
    assert.notEqual(en(key), key);
  }
});

test('the matcher\'s Chinese reasons stay in Chinese and are said again in English', () => {
  const reasons = {
    '检查号 ACC-A 一致': 'Accession number ACC-A matches',
    '检查号 ACC-D 属于患者 P4（周四），与图像中的患者 ID P5 不一致':
      'Accession number ACC-D belongs to patient P4 (周四), not to patient ID P5 in the images',
    '患者 ID、设备类型和检查日期一致': 'Patient ID, modality and exam date match',
    '患者 ID、设备类型和检查日期一致（图像检查号 WRONG1 与预约 ACC-C 不同）':
      'Patient ID, modality and exam date match (accession number WRONG1 in the images, ACC-C on the exam)',
    '同一患者有 2 个候选检查（ACC-1、ACC-2），请人工确认': 'The patient has 2 candidate exams (ACC-1, ACC-2); a person must choose',
    '由 黄卫东 人工匹配': 'Matched by hand by 黄卫东',
    '未找到预约，已按图像信息自动补登记': 'No exam found; registered automatically from the image header',
    '未找到对应的检查预约': 'No exam found for it',
    '图像没有患者 ID': 'The images have no patient ID',
  };
  for (const [zhText, enText] of Object.entries(reasons)) {
    assert.equal(matchReason(zh, zhText, 'zh-CN'), zhText);
    assert.equal(matchReason(en, zhText, 'en'), enText);
  }
  // The Chinese catalogue says the same as the server (the keys exist for both languages).
  assert.equal(zh('archive.matchReason.several', { n: 2, list: 'A、B' }), '同一患者有 2 个候选检查（A、B），请人工确认');
  // The name as stored in DICOM is written as people read it, in both languages.
  const stored = '检查号 ACC-D 属于患者 P4（Zhou^Si=周^四），与图像中的患者 ID P5 不一致';
  assert.equal(matchReason(zh, stored, 'zh-CN'), '检查号 ACC-D 属于患者 P4（周四），与图像中的患者 ID P5 不一致');
  assert.equal(matchReason(en, stored, 'en'), 'Accession number ACC-D belongs to patient P4 (周四), not to patient ID P5 in the images');
  assert.equal(matchReason(en, '别的原因', 'en'), '别的原因');
  assert.equal(matchReason(en, '', 'en'), '');
});

test('the reasons of the worklist UID and of the department rules, in both languages', () => {
  const reasons = {
    'Study Instance UID 与预约一致': 'The Study Instance UID of the exam came back',
    '按规则「县医院患者（姓名+出生日期）」匹配到检查号 ACC-R2': 'Matched to exam ACC-R2 by the rule "县医院患者（姓名+出生日期）"',
    '按规则「县医院患者」建议匹配检查号 ACC-R1（患者 ID C100），请确认': 'The rule "县医院患者" proposes exam ACC-R1 (patient ID C100); please confirm',
    '规则「同名同日」找到 2 个候选检查（A1、A2），请人工确认': 'The rule "同名同日" found 2 candidate exams (A1, A2); a person must choose',
  };
  for (const [zhText, enText] of Object.entries(reasons)) {
    assert.equal(matchReason(zh, zhText, 'zh-CN'), zhText);
    assert.equal(matchReason(en, zhText, 'en'), enText);
  }
  // The catalogue's Chinese is the server's sentence.
  assert.equal(zh('archive.matchReason.ruleSuggested', { rule: 'R', accession: 'A', patient: 'P' }), '按规则「R」建议匹配检查号 A（患者 ID P），请确认');
  const uid = 'Study Instance UID 属于患者 C9（Yang^Ba=杨^八）的预约，与图像中的患者 ID X1 不一致';
  assert.equal(matchReason(zh, uid, 'zh-CN'), 'Study Instance UID 属于患者 C9（杨八）的预约，与图像中的患者 ID X1 不一致');
  assert.equal(matchReason(en, uid, 'en'), 'The Study Instance UID belongs to an exam of patient C9 (杨八), not to patient ID X1 in the images');
});

test('the proposed exam of a queue item: only when it is among the candidates', () => {
  const candidates = [{ id: 7 }, { id: 9 }];
  assert.equal(suggestedExam({ status: 'suggested', suggestedExamId: 7, candidates }), 7);
  assert.equal(suggestedExam({ status: 'suggested', suggestedExamId: 5, candidates }), null);
  assert.equal(suggestedExam({ status: 'unmatched', candidates }), null);
  assert.equal(suggestedExam({ status: 'conflict', suggestedExamId: null, candidates }), null);
});

test('matching rules: facts named by the server, chips without their brackets, actions, windows', () => {
  const keys = [
    { key: 'patientName', zh: '患者姓名', en: 'Patient name' },
    { key: 'studyDate', zh: '检查日期（允许相差天数内）', en: 'Exam date (within the window)' },
  ];
  assert.equal(ruleKeyLabel(keys, 'patientName', 'zh-CN'), '患者姓名');
  assert.equal(ruleKeyLabel(keys, 'patientName', 'en'), 'Patient name');
  assert.equal(ruleKeyLabel(keys, 'sex', 'zh-CN'), 'sex');
  assert.equal(ruleKeyLabel(null, 'sex', 'zh-CN'), 'sex');
  assert.equal(ruleKeyChip(keys, 'studyDate', 'zh-CN'), '检查日期');
  assert.equal(ruleKeyChip(keys, 'studyDate', 'en'), 'Exam date');
  assert.equal(ruleKeyChip(keys, 'patientName', 'zh-CN'), '患者姓名');
  assert.deepEqual([...RULE_KEYS], ['patientId', 'patientName', 'birthDate', 'sex', 'modality', 'accessionNumber', 'studyDate']);
  assert.deepEqual(ruleAction(zh, 'review'), { label: '人工确认', tone: 'purple' });
  assert.deepEqual(ruleAction(zh, 'match'), { label: '直接匹配', tone: 'green' });
  assert.deepEqual(ruleAction(en, 'match'), { label: 'Match at once', tone: 'green' });
  assert.deepEqual(ruleAction(zh, ''), { label: '—', tone: 'gray' });
  for (const [, key] of RULE_ACTIONS) assert.notEqual(en(key), key);
  assert.equal(ruleWindowText(zh, { keys: ['patientId', 'studyDate'], windowDays: 1 }), '±1 天');
  assert.equal(ruleWindowText(zh, { keys: ['studyDate'], windowDays: 0 }), '同一天');
  assert.equal(ruleWindowText(en, { keys: ['studyDate'], windowDays: 3 }), '±3 days');
  assert.equal(ruleWindowText(zh, { keys: ['patientId', 'modality'], windowDays: 3 }), '', 'no date compared: no window');
});

test('matching rules run by position, then id; moving one swaps it with its neighbour', () => {
  const rules = [{ id: 3, position: 5 }, { id: 1, position: 2 }, { id: 2, position: 2 }, { id: 4, position: 9 }];
  assert.deepEqual(orderRules(rules).map((r) => r.id), [1, 2, 3, 4]);
  assert.deepEqual(rules.map((r) => r.id), [3, 1, 2, 4], 'the list given is left as it was');
  // Different positions: the two swap them.
  assert.deepEqual(moveRule(rules, 4, -1), [{ id: 4, position: 5 }, { id: 3, position: 9 }]);
  assert.deepEqual(moveRule(rules, 2, 1), [{ id: 2, position: 5 }, { id: 3, position: 2 }]);
  // A tie: numbered 1, 2, 3 … in the new order, only the changed ones sent.
  assert.deepEqual(moveRule(rules, 2, -1), [{ id: 2, position: 1 }, { id: 3, position: 3 }, { id: 4, position: 4 }]);
  // Already first / last, or unknown: nothing.
  assert.deepEqual(moveRule(rules, 1, -1), []);
  assert.deepEqual(moveRule(rules, 4, 1), []);
  assert.deepEqual(moveRule(rules, 99, 1), []);
});

test('the rule dialog\'s body: trimmed name, keys in the server\'s order, whole days; strength is the server\'s to judge', () => {
  const form = { name: '  县医院患者 ', keys: ['studyDate', 'modality', 'patientName', 'birthDate', 'modality'], windowDays: '1', action: 'review', active: true };
  assert.deepEqual(ruleFormPayload(form), {
    payload: { name: '县医院患者', keys: ['patientName', 'birthDate', 'modality', 'studyDate'], windowDays: 1, action: 'review', active: true },
    problems: {},
  });
  // Too weak (a name and a modality): sent as it is, the server answers too_weak under 匹配条件.
  assert.deepEqual(ruleFormPayload({ ...form, keys: ['patientName', 'modality'] }).payload?.keys, ['patientName', 'modality']);
  // Out of range is the server's to say; not a number is ours.
  assert.equal(ruleFormPayload({ ...form, windowDays: '99' }).payload?.windowDays, 99);
  assert.equal(ruleFormPayload({ ...form, windowDays: '' }).payload?.windowDays, 1);
  assert.deepEqual(ruleFormPayload({ ...form, windowDays: '1.5' }), { payload: null, problems: { windowDays: { key: 'archive.rules.windowInvalid' } } });
  assert.deepEqual(ruleFormPayload({ ...form, name: ' ' }).problems, { name: { key: 'archive.rules.nameRequired' } });
  assert.equal(ruleFormPayload({ ...form, action: '' }).payload?.action, 'review');
  assert.equal(zh('archive.rules.empty'), '尚未配置科室匹配规则');
});

test('exam states of the candidates', () => {
  assert.deepEqual(examState(zh, 'SCHEDULED'), { label: '已预约', tone: 'blue' });
  assert.deepEqual(examState(zh, 'COMPLETED'), { label: '已完成', tone: 'green' });
  assert.deepEqual(examState(en, 'IN PROGRESS'), { label: 'In progress', tone: 'orange' });
  assert.deepEqual(examState(zh, ''), { label: '—', tone: 'gray' });
  for (const [, key] of EXAM_STATES) assert.notEqual(en(key), key);
});

test('errors of matching: the exam taken, the study or exam gone', () => {
  assert.equal(matchErrorKey({ status: 409, code: 'exam_taken' }), 'archive.matchDialog.examTaken');
  assert.equal(zh('archive.matchDialog.examTaken'), '该预约已与另一个检查关联，请选择其他预约');
  assert.equal(matchErrorKey({ status: 404, code: 'not_found' }), 'archive.matchDialog.gone');
  assert.equal(matchErrorKey({ status: 409, code: 'other' }), null);
  assert.equal(matchErrorKey({ status: 422, code: 'validation_failed' }), null);
  assert.equal(matchErrorKey(null), null);
});

test('the number on the 待匹配 tab', () => {
  assert.equal(queueCountText(0), '');
  assert.equal(queueCountText(undefined), '');
  assert.equal(queueCountText(3), '3');
  assert.equal(queueCountText(99), '99');
  assert.equal(queueCountText(100), '99+');
  assert.equal(zh('archive.tab.matchingCount', { n: 3 }), '3 个检查待匹配');
});

// ---------------------------------------------------------------- 上传转换 (DCM-08)

test('convert: what a file is, by extension first, else by MIME type', () => {
  assert.equal(CONVERT_ACCEPT, '.jpg,.jpeg,.png,.bmp,.pdf');
  assert.equal(convertFileKind({ name: '伤口.JPG' }), 'image');
  assert.equal(convertFileKind({ name: 'a.jpeg', type: '' }), 'image');
  assert.equal(convertFileKind({ name: 'scan.bmp' }), 'image');
  assert.equal(convertFileKind({ name: '知情同意书.PDF' }), 'pdf');
  assert.equal(convertFileKind({ name: 'photo', type: 'image/png' }), 'image', 'no extension: the MIME type decides');
  assert.equal(convertFileKind({ name: 'report', type: 'application/pdf' }), 'pdf');
  assert.equal(convertFileKind({ name: 'a.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }), null);
  assert.equal(convertFileKind({ name: 'a.gif', type: 'image/gif' }), null);
  assert.equal(convertFileKind({ name: 'a.heic', type: 'image/heic' }), null);
  assert.equal(convertFileKind({ name: 'pdf', type: '' }), null);
});

test('convert: files are checked as they are added (kind, empty, 200 MB, twice, 50 in all)', () => {
  const f = (/** @type {string} */ name, size = 1000, lastModified = 1) => ({ name, size, type: '', lastModified });
  assert.equal(CONVERT_MAX_FILES, 50);
  assert.equal(CONVERT_MAX_BYTES, 200 * 1024 * 1024);

  const ok = checkConvertFiles([], [f('a.png'), f('b.pdf')]);
  assert.deepEqual(ok.accepted.map((x) => x.name), ['a.png', 'b.pdf']);
  assert.deepEqual(ok.problems, []);

  const mixed = checkConvertFiles([f('a.png')], [f('a.png'), f('c.doc'), f('big.jpg', CONVERT_MAX_BYTES + 1), f('e.jpg', 0), f('edge.jpg', CONVERT_MAX_BYTES), f('a.png', 1000, 2)]);
  assert.deepEqual(mixed.accepted.map((x) => x.name + x.lastModified), ['edge.jpg1', 'a.png2'], 'exactly 200 MB passes; the same name of another file too');
  assert.deepEqual(mixed.problems.map((p) => zh(p.key, p.params)), [
    '“c.doc”不是支持的文件类型：仅支持 JPG、PNG、BMP 图片和 PDF 文档',
    '“e.jpg”是空文件，未加入',
    '“big.jpg”超过 200 MB，无法上传',
    '“a.png”已在列表中',
  ]);

  const existing = Array.from({ length: 48 }, (_, i) => f(`p${i}.png`));
  const many = checkConvertFiles(existing, ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((n) => f(`${n}.jpg`)));
  assert.deepEqual(many.accepted.map((x) => x.name), ['x1.jpg', 'x2.jpg']);
  assert.equal(zh(many.problems[0].key, many.problems[0].params), '一次最多上传 50 个文件，“x3.jpg、x4.jpg、x5.jpg”等 4 个文件未加入');
  assert.equal(en(many.problems[0].key, many.problems[0].params), 'At most 50 files at a time; "x3.jpg、x4.jpg、x5.jpg" and others, 4 files, were left out');

  const small = checkConvertFiles([], [f('a.png'), f('b.png'), f('c.png')], { maxFiles: 2, maxBytes: 500 });
  assert.deepEqual(small.accepted, []);
  assert.equal(zh(small.problems[0].key, small.problems[0].params), '“a.png、b.png、c.png”超过 500 B，无法上传');
});

test('convert: the study finder searches an accession number as typed, else any part of the name', () => {
  assert.equal(studySearchQuery('  '), null);
  assert.equal(studySearchQuery('**'), null);
  assert.deepEqual(studySearchQuery('张'), { PatientName: '*张*', fuzzymatching: 'true', includefield: '00081030', limit: '20' });
  assert.deepEqual(studySearchQuery(' zhang san '), { PatientName: '*zhangsan*', fuzzymatching: 'true', includefield: '00081030', limit: '20' });
  assert.deepEqual(studySearchQuery('CT2024001'), { AccessionNumber: 'CT2024001', includefield: '00081030', limit: '20' });
  assert.deepEqual(studySearchQuery('20240001', 5), { AccessionNumber: '20240001', includefield: '00081030', limit: '5' });
  assert.equal(studySearchQuery('张3')?.PatientName, '*张3*', 'Chinese with digits is a name');
  assert.equal(studySearchQuery('Zhang^San=张')?.PatientName, '*Zhang^San张*', 'no `=` (name groups) or wildcards of the user');
});

test('convert: a study of a DICOM JSON answer', () => {
  const s = qidoStudy({
    '0020000D': { vr: 'UI', Value: ['1.2.3'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Zhang^San', Ideographic: '张^三' }] },
    '00100020': { vr: 'LO', Value: ['P0000001'] },
    '00100040': { vr: 'CS', Value: ['M'] },
    '00080050': { vr: 'SH', Value: ['CT2024001'] },
    '00080020': { vr: 'DA', Value: ['20241220'] },
    '00080061': { vr: 'CS', Value: ['CT', 'OT'] },
    '00081030': { vr: 'LO', Value: ['胸腹部CT增强'] },
  });
  assert.deepEqual(s, {
    studyUID: '1.2.3', patientName: 'Zhang^San=张^三', patientId: 'P0000001', sex: 'M', accessionNumber: 'CT2024001', studyDate: '20241220', modalities: 'CT\\OT', description: '胸腹部CT增强',
  });
  assert.equal(personName(s.patientName).main, '张三');
  assert.equal(modalitiesText(s.modalities), 'CT/OT');
  // Attributes without a value, a name with one group only.
  const bare = qidoStudy({ '0020000D': { vr: 'UI', Value: ['9'] }, '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Li^Si' }] }, '00080050': { vr: 'SH' } });
  assert.equal(bare.patientName, 'Li^Si');
  assert.equal(bare.accessionNumber, '');
  assert.equal(bare.description, '');
});

test('convert: the form → the text fields of POST /api/archive/convert, and what to fix first', () => {
  assert.deepEqual(convertFields({ target: 'study', studyUID: ' 1.2.3 ', seriesDescription: ' 申请单与知情同意书 ', title: '', conversionType: 'DI' }), {
    fields: [['studyUID', '1.2.3'], ['seriesDescription', '申请单与知情同意书'], ['conversionType', 'DI']],
    problems: {},
  });
  assert.deepEqual(convertFields({ target: 'study' }), { fields: [['conversionType', 'SI']], problems: { study: { key: 'archive.convert.pickStudy' } } });
  // A new patient: ID and name, sex, birth date as the date input gives it; patient fields of a study left out.
  assert.deepEqual(
    convertFields({ target: 'patient', studyUID: 'ignored', patientId: 'P9', patientName: ' 王五 ', sex: 'f', birthDate: '1980-02-03', studyDescription: '皮肤科', title: '病理报告', conversionType: 'wsd' }),
    {
      fields: [['patientId', 'P9'], ['patientName', '王五'], ['sex', 'F'], ['birthDate', '1980-02-03'], ['studyDescription', '皮肤科'], ['title', '病理报告'], ['conversionType', 'WSD']],
      problems: {},
    },
  );
  assert.deepEqual(convertFields({ target: 'patient', patientId: 'P9', birthDate: '19800203' }).problems, { patientName: { key: 'archive.convert.patientNameRequired' } });
  assert.deepEqual(convertFields({ target: 'patient', patientId: 'x'.repeat(65), patientName: '甲', birthDate: '1980-2-3', sex: 'X', conversionType: 'bogus' }), {
    fields: [['patientId', 'x'.repeat(65)], ['patientName', '甲'], ['sex', 'X'], ['birthDate', '1980-2-3'], ['conversionType', 'SI']],
    problems: { patientId: { key: 'archive.convert.patientIdTooLong' }, birthDate: { key: 'archive.convert.birthDateInvalid' }, sex: { key: 'archive.convert.sexInvalid' } },
  });
  assert.deepEqual(Object.keys(convertFields({ target: 'patient' }).problems), ['patientId', 'patientName']);
  assert.equal(zh('archive.convert.patientNameRequired'), '请填写患者姓名');
  assert.deepEqual(CONVERSION_TYPES.map(([c]) => c), ['SI', 'DI', 'DF', 'WSD']);
  for (const [, key] of CONVERSION_TYPES) assert.notEqual(en(key), key);
});

test('convert: the answer, each file, and the server’s sentences in English', () => {
  const answer = { studyUID: '1.2', seriesUID: '1.3', items: [{ filename: 'a.png', sopInstanceUID: '1.4', ok: true, message: '已转换并归档' }, { filename: 'b.png', ok: false, message: '图片无法读取：truncated' }, null] };
  const r = convertResultOf(answer);
  assert.deepEqual(r, { studyUID: '1.2', seriesUID: '1.3', items: [{ filename: 'a.png', sopInstanceUID: '1.4', ok: true, message: '已转换并归档' }, { filename: 'b.png', ok: false, message: '图片无法读取：truncated' }] });
  assert.deepEqual(convertCounts(/** @type {any} */ (r)), { ok: 1, failed: 1, total: 2 });
  // A validation error is not an outcome.
  assert.equal(convertResultOf({ error: { code: 'validation_failed', fields: [] } }), null);
  assert.equal(convertResultOf(null), null);

  assert.equal(convertMessage(en, '已转换并归档', 'en'), 'Converted and filed');
  assert.equal(convertMessage(en, '图片无法读取：truncated', 'en'), 'The picture cannot be read: truncated');
  assert.equal(convertMessage(en, '不支持的文件类型：仅支持 JPEG、PNG、BMP 图片和 PDF 文档', 'en'), 'Not a supported file: only JPEG, PNG, BMP pictures and PDF documents');
  assert.equal(convertMessage(en, '别的错误', 'en'), '别的错误');
  assert.equal(convertMessage(zh, '已转换并归档', 'zh-CN'), '已转换并归档');
  assert.equal(zh('archive.convert.resultPartial', { ok: 1, failed: 1 }), '1 个文件已转换并归档，1 个失败');
});

test('convert: upload progress as a share', () => {
  assert.equal(progressPercent(0, 100), 0);
  assert.equal(progressPercent(50, 0), 0, 'unknown total');
  assert.equal(progressPercent(333, 1000), 33);
  assert.equal(progressPercent(1200, 1000), 100);
});

test('convert: pictures and PDFs go up apart (a series has one modality), each in the order of the list', () => {
  const f = (/** @type {string} */ name) => ({ name });
  assert.deepEqual(convertBatches([f('a.pdf'), f('b.png'), f('c.PDF'), f('d.jpg')]).map((b) => b.map((x) => x.name)), [['b.png', 'd.jpg'], ['a.pdf', 'c.PDF']]);
  assert.deepEqual(convertBatches([f('a.pdf')]).map((b) => b.map((x) => x.name)), [['a.pdf']]);
  assert.deepEqual(convertBatches([f('a.bmp')]).map((b) => b.map((x) => x.name)), [['a.bmp']]);
  assert.deepEqual(convertBatches([]), []);
});
