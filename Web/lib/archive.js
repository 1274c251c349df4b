// 影像数据管理 (DM-01..07) words and arithmetic: the search filters → query string, cloud upload states, study
// completeness, exam matching (DCM-06/07) and the department's matching rules, who opened a study, statistics
// groupings, byte sizes, DICOM names and dates, the scale of the bar charts, and the checks and form fields of 上传转换 (DCM-08). Pure functions (unit-tested in tests/archive.test.js); the pages are views/archive.js.

/** @typedef {(key: string, params?: Record<string, string | number | null | undefined>) => string} Translate */

/** The page's tabs, in order; each is a route #/archive/<tab>. */
export const ARCHIVE_TABS = /** @type {const} */ (['studies', 'matching', 'statistics', 'upload', 'convert']);
/** @typedef {typeof ARCHIVE_TABS[number]} ArchiveTab */

/** Modalities offered in the 设备类型 select. */
export const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'DR', 'US', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT'];

/**
 * Filters of 归档检索, in the API's own names (GET /api/archive/studies and its export.xlsx); a server
 * validation error names one of them (`fields[].field`), so it lands under the right input.
 */
export const STUDY_FILTERS = /** @type {const} */ ([
  'patientName', 'patientId', 'accessionNumber', 'modality', 'studyFrom', 'studyTo', 'receivedFrom', 'receivedTo', 'institutionId', 'cloud',
]);
/** @typedef {Partial<Record<typeof STUDY_FILTERS[number], string>>} StudyFilters */

/**
 * The filters worth sending: trimmed, empty ones left out, modality upper-cased; unknown names are dropped.
 * @param {Record<string, unknown>} raw
 * @returns {StudyFilters}
 */
export function cleanFilters(raw) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const name of STUDY_FILTERS) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    let text = String(value).trim();
    if (name === 'modality') text = text.toUpperCase();
    if (text) out[name] = text;
  }
  return out;
}

/**
 * "?patientName=%E5%BC%A0&modality=CT" (empty filters left out; '' when there are none). Extra parameters (page,
 * lang …) follow the filters.
 * @param {Record<string, unknown>} filters
 * @param {Record<string, string | number | null | undefined>} [extra]
 */
export function filterQuery(filters, extra = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(cleanFilters(filters))) search.append(name, String(value));
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || value === null || value === '') continue;
    search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * The 导出Excel link of 归档检索: the same filters as the table, and the page's language (a plain link cannot set
 * Accept-Language), so that the file name and the headers follow the page.
 * @param {Record<string, unknown>} filters
 * @param {string} lang
 */
export function studyExportHref(filters, lang) {
  return `/api/archive/studies/export.xlsx${filterQuery(filters, { lang })}`;
}

/**
 * The 导出Excel link of 归档统计.
 * @param {{by: string, from?: string, to?: string}} o
 * @param {string} lang
 */
export function statisticsExportHref(o, lang) {
  const search = new URLSearchParams({ by: o.by });
  if (o.from) search.set('from', o.from);
  if (o.to) search.set('to', o.to);
  search.set('lang', lang);
  return `/api/archive/statistics/export.xlsx?${search}`;
}

/** Filters that may be given in the route (#/archive/studies?cloud=failed&modality=CT). */
/** @param {URLSearchParams} query */
export function filtersFromQuery(query) {
  /** @type {Record<string, string>} */
  const raw = {};
  for (const name of STUDY_FILTERS) {
    const v = query.get(name);
    if (v !== null) raw[name] = v;
  }
  return cleanFilters(raw);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Client-side checks of the date ranges (the browser's date inputs already give YYYY-MM-DD): a range whose end
 * is before its start is marked under its 至 input.
 * @param {{studyFrom?: string, studyTo?: string, receivedFrom?: string, receivedTo?: string, from?: string, to?: string}} f
 * @returns {Record<string, {key: string}>}
 */
export function checkRanges(f) {
  /** @type {Record<string, {key: string}>} */
  const problems = {};
  /** @param {string | undefined} from @param {string | undefined} to @param {string} toName */
  const pair = (from, to, toName) => {
    if (from && to && DAY.test(from) && DAY.test(to) && from > to) problems[toName] = { key: 'archive.rangeError' };
  };
  pair(f.studyFrom, f.studyTo, 'studyTo');
  pair(f.receivedFrom, f.receivedTo, 'receivedTo');
  pair(f.from, f.to, 'to');
  return problems;
}

// ---------------------------------------------------------------- cloud upload state

/** @typedef {'green' | 'gray' | 'red' | 'blue' | 'orange' | 'purple'} Tone */

/** The upload state of a study (StudyRow.cloud.state) → its text and badge colour. */
export const CLOUD_STATES = /** @type {const} */ ([
  ['uploaded', 'archive.cloud.uploaded', 'green'],
  ['partial', 'archive.cloud.partial', 'blue'],
  ['pending', 'archive.cloud.pending', 'gray'],
  ['failed', 'archive.cloud.failed', 'red'],
]);

/**
 * @param {Translate} t
 * @param {string} state
 * @returns {{label: string, tone: Tone}}
 */
export function cloudState(t, state) {
  const known = CLOUD_STATES.find(([code]) => code === state);
  return known ? { label: t(known[1]), tone: known[2] } : { label: state || '—', tone: 'gray' };
}

/**
 * The counts behind a study's upload badge, for its tooltip: "已上传 3 · 待上传 2 · 上传失败 0".
 * `evicted` (local copy removed, the image lives only in the cloud) is added when there are any.
 * @param {Translate} t
 * @param {{uploaded: number, pending: number, failed: number, evicted?: number}} c
 */
export function cloudCountsText(t, c) {
  const parts = [t('archive.count.uploaded', { n: c.uploaded }), t('archive.count.pending', { n: c.pending }), t('archive.count.failed', { n: c.failed })];
  if (c.evicted) parts.push(t('archive.count.evicted', { n: c.evicted }));
  return parts.join(' · ');
}

// ---------------------------------------------------------------- completeness

/** Completeness.state → text and colour. */
export const COMPLETENESS_STATES = /** @type {const} */ ([
  ['complete', 'archive.complete.complete', 'green'],
  ['incomplete', 'archive.complete.incomplete', 'red'],
  ['receiving', 'archive.complete.receiving', 'orange'],
]);

/**
 * @param {Translate} t
 * @param {string} state
 * @returns {{label: string, tone: Tone}}
 */
export function completenessState(t, state) {
  const known = COMPLETENESS_STATES.find(([code]) => code === state);
  return known ? { label: t(known[1]), tone: known[2] } : { label: state, tone: 'gray' };
}

/**
 * The server explains a completeness result in Chinese only (ArchiveCatalog.completeness). In English the
 * sentences it writes are recognised and said again in English; anything else is shown as it came.
 * @param {Translate} t
 * @param {string} reason
 * @param {string} lang
 */
export function completenessReason(t, reason, lang) {
  if (lang !== 'en' || !reason) return reason;
  let m;
  if ((m = /^MPPS 报告的 (\d+) 个序列尚未收到$/.exec(reason))) return t('archive.reason.seriesMissing', { n: m[1] });
  if ((m = /^序列 (\S*) 应有 (\d+) 幅，已收到 (\d+) 幅$/.exec(reason))) return t('archive.reason.fewer', { series: m[1], expected: m[2], received: m[3] });
  if ((m = /^序列 (\S*) 图像编号不连续，缺少 (.+?)( 等)?$/.exec(reason))) {
    return t(m[3] ? 'archive.reason.gapsMore' : 'archive.reason.gaps', { series: m[1], numbers: m[2].split('、').join(', ') });
  }
  if (reason === '最近仍有图像到达，请稍候再检查') return t('archive.reason.arriving');
  if (reason === '图像编号连续，未发现缺失') return t('archive.reason.numbersOk');
  if (reason === '与 MPPS 报告的序列和图像数一致') return t('archive.reason.mppsOk');
  return reason;
}

/**
 * Missing instance numbers for a cell: "3、5、9" (the server sends at most 50); "—" when none.
 * @param {number[]} numbers
 * @param {string} separator
 * @param {number} [max] shown before "…"
 */
export function missingText(numbers, separator, max = 12) {
  if (!numbers || numbers.length === 0) return '—';
  const shown = numbers.slice(0, max).join(separator);
  return numbers.length > max ? `${shown}${separator}…` : shown;
}

// ---------------------------------------------------------------- exam matching (DCM-06, DCM-07)

/**
 * How a study was matched to its exam (StudyRow.matchStatus) → text and badge colour; '' while the matcher has not
 * looked at it yet (it runs every few seconds). `suggested` (建议匹配): a department rule set to 人工确认 found one
 * exam; the study waits in the 待匹配 queue with that exam proposed until a person confirms it.
 */
export const MATCH_STATES = /** @type {const} */ ([
  ['matched', 'archive.match.matched', 'green'],
  ['auto-registered', 'archive.match.autoRegistered', 'blue'],
  ['suggested', 'archive.match.suggested', 'purple'],
  ['conflict', 'archive.match.conflict', 'red'],
  ['unmatched', 'archive.match.unmatched', 'orange'],
  ['', 'archive.match.pending', 'gray'],
]);

/**
 * @param {Translate} t
 * @param {string | null | undefined} status
 * @returns {{label: string, tone: Tone}}
 */
export function matchState(t, status) {
  const s = String(status ?? '');
  const known = MATCH_STATES.find(([code]) => code === s);
  return known ? { label: t(known[1]), tone: known[2] } : { label: s, tone: 'gray' };
}

/**
 * The server explains a match in Chinese only (ExamMatcher). In English its sentences are recognised and said again
 * in English; anything else is shown as it came. A DICOM person name in the sentence is shown as people read it.
 * @param {Translate} t
 * @param {string} reason
 * @param {string} lang
 */
export function matchReason(t, reason, lang) {
  if (!reason) return reason;
  let m;
  // The other patient's name comes as stored ("Zhou^Si=周^四"); it is written as people read it in both languages.
  if ((m = /^检查号 (\S+) 属于患者 (\S*)（(.*)），与图像中的患者 ID (\S*) 不一致$/.exec(reason))) {
    const n = personName(m[3]);
    return t('archive.matchReason.otherPatient', { accession: m[1], owner: m[2], name: n.main || m[3], patient: m[4] });
  }
  if ((m = /^Study Instance UID 属于患者 (\S*)（(.*)）的预约，与图像中的患者 ID (\S*) 不一致$/.exec(reason))) {
    const n = personName(m[2]);
    return t('archive.matchReason.uidOtherPatient', { owner: m[1], name: n.main || m[2], patient: m[3] });
  }
  if (lang !== 'en') return reason;
  if (reason === 'Study Instance UID 与预约一致') return t('archive.matchReason.uid');
  // The department's rules (MatchingRules): the rule's name is the department's own words and stays as written.
  if ((m = /^按规则「(.+)」匹配到检查号 (\S+)$/.exec(reason))) return t('archive.matchReason.rule', { rule: m[1], accession: m[2] });
  if ((m = /^按规则「(.+)」建议匹配检查号 (\S+)（患者 ID (\S*)），请确认$/.exec(reason))) {
    return t('archive.matchReason.ruleSuggested', { rule: m[1], accession: m[2], patient: m[3] });
  }
  if ((m = /^规则「(.+)」找到 (\d+) 个候选检查（(.*)），请人工确认$/.exec(reason))) {
    return t('archive.matchReason.ruleSeveral', { rule: m[1], n: m[2], list: m[3].split('、').join(', ') });
  }
  if ((m = /^检查号 (\S+) 一致$/.exec(reason))) return t('archive.matchReason.accession', { accession: m[1] });
  if ((m = /^患者 ID、设备类型和检查日期一致(?:（图像检查号 (\S+) 与预约 (\S+) 不同）)?$/.exec(reason))) {
    return m[1] ? t('archive.matchReason.byPatientOtherAccession', { image: m[1], exam: m[2] }) : t('archive.matchReason.byPatient');
  }
  if ((m = /^同一患者有 (\d+) 个候选检查（(.*)），请人工确认$/.exec(reason))) {
    return t('archive.matchReason.several', { n: m[1], list: m[2].split('、').join(', ') });
  }
  if ((m = /^由 (.+) 人工匹配$/.exec(reason))) return t('archive.matchReason.manual', { user: m[1] });
  if (reason === '未找到预约，已按图像信息自动补登记') return t('archive.matchReason.registered');
  if (reason === '未找到对应的检查预约') return t('archive.matchReason.noExam');
  if (reason === '图像没有患者 ID') return t('archive.matchReason.noPatientId');
  return reason;
}

/** Worklist item (exam) states → text and colour, for the candidates of the 匹配 dialog. */
export const EXAM_STATES = /** @type {const} */ ([
  ['SCHEDULED', 'archive.exam.scheduled', 'blue'],
  ['IN PROGRESS', 'archive.exam.inProgress', 'orange'],
  ['COMPLETED', 'archive.exam.completed', 'green'],
  ['DISCONTINUED', 'archive.exam.discontinued', 'gray'],
]);

/**
 * @param {Translate} t
 * @param {string} status
 * @returns {{label: string, tone: Tone}}
 */
export function examState(t, status) {
  const known = EXAM_STATES.find(([code]) => code === status);
  return known ? { label: t(known[1]), tone: known[2] } : { label: status || '—', tone: 'gray' };
}

/**
 * The exam a rule proposed (建议匹配), when it is among the candidates: the 匹配 dialog marks it 建议 and starts with it
 * chosen, so that confirming is one click. null for any other queue item.
 * @param {{status?: string, suggestedExamId?: number | null, candidates: {id: number}[]}} item
 * @returns {number | null}
 */
export function suggestedExam(item) {
  const id = item.suggestedExamId;
  if (id === undefined || id === null) return null;
  return item.candidates.some((c) => c.id === id) ? id : null;
}

/**
 * What to say when POST /api/archive/studies/{uid}/match fails, as a text key: the exam already belongs to another
 * study (409 exam_taken), the study or the exam is gone (404, e.g. someone else matched it meanwhile); null for
 * anything else (a 422 lands under the candidates, other errors are shown as the server worded them).
 * @param {{status?: number, code?: string} | null | undefined} error
 */
export function matchErrorKey(error) {
  if (!error) return null;
  if (error.status === 409 && error.code === 'exam_taken') return 'archive.matchDialog.examTaken';
  if (error.status === 404) return 'archive.matchDialog.gone';
  return null;
}

/**
 * The number on the 待匹配 tab: nothing for none, "99+" above 99.
 * @param {number | null | undefined} n
 */
export function queueCountText(n) {
  const v = Number(n);
  if (!Number.isFinite(v) || v <= 0) return '';
  return v > 99 ? '99+' : String(Math.round(v));
}

// ---------------------------------------------------------------- 匹配规则 (DCM-06, configurable rules)

/**
 * @typedef {object} MatchingRule a row of GET /api/archive/matching-rules
 * @property {number} id
 * @property {string} name
 * @property {string[]} keys patientId, patientName, birthDate, sex, modality, accessionNumber, studyDate
 * @property {number} windowDays how far apart the study date and the exam's date may be (with studyDate)
 * @property {'match' | 'review'} action one hit: linked at once, or proposed (建议匹配) for a person to confirm
 * @property {number} position rules run in this order, after the built-in ones
 * @property {boolean} active
 * @property {string} [updatedAt]
 */

/** @typedef {{key: string, zh: string, en: string}} RuleKey a fact a rule can compare, named by the server */

/** The facts in the order the server lists them; the fallback when its list is missing. */
export const RULE_KEYS = /** @type {const} */ (['patientId', 'patientName', 'birthDate', 'sex', 'modality', 'accessionNumber', 'studyDate']);

/** 命中后: what a rule does with one candidate → text key and badge colour. */
export const RULE_ACTIONS = /** @type {const} */ ([
  ['review', 'archive.rules.action.review', 'purple'],
  ['match', 'archive.rules.action.match', 'green'],
]);

/**
 * @param {Translate} t
 * @param {string} action
 * @returns {{label: string, tone: Tone}}
 */
export function ruleAction(t, action) {
  const known = RULE_ACTIONS.find(([code]) => code === action);
  return known ? { label: t(known[1]), tone: known[2] } : { label: action || '—', tone: 'gray' };
}

/**
 * A fact's name in the page's language, from the server's list (`keys` of the answer); the code when it is not there.
 * @param {RuleKey[] | null | undefined} keys
 * @param {string} key
 * @param {string} lang
 */
export function ruleKeyLabel(keys, key, lang) {
  const k = (keys || []).find((x) => x.key === key);
  if (!k) return key;
  return (lang === 'en' ? k.en : k.zh) || k.zh || k.en || key;
}

/**
 * A fact as a chip in the rules table: the name without what it says in brackets ("检查日期（允许相差天数内）" →
 * "检查日期"; the window has its own column).
 * @param {RuleKey[] | null | undefined} keys
 * @param {string} key
 * @param {string} lang
 */
export function ruleKeyChip(keys, key, lang) {
  return ruleKeyLabel(keys, key, lang).replace(/\s*[（(][^（()）]*[）)]\s*$/, '');
}

/**
 * The rules in the order they run: by position, then by id (as the server lists them).
 * @template {{id: number, position: number}} R
 * @param {R[]} rules
 * @returns {R[]}
 */
export function orderRules(rules) {
  return [...rules].sort((a, b) => a.position - b.position || a.id - b.id);
}

/**
 * 上移 / 下移: the PUTs (`{id, position}`) that move a rule one place up (-1) or down (+1). Two neighbours with
 * different positions swap them; when positions tie (set through the API), every rule is numbered 1, 2, 3 … in the
 * new order and those whose position changes are sent. Nothing when the rule is already first / last.
 * @param {{id: number, position: number}[]} rules
 * @param {number} id
 * @param {-1 | 1} direction
 * @returns {{id: number, position: number}[]}
 */
export function moveRule(rules, id, direction) {
  const ordered = orderRules(rules);
  const i = ordered.findIndex((r) => r.id === id);
  const j = i + direction;
  if (i < 0 || j < 0 || j >= ordered.length) return [];
  const a = ordered[i];
  const b = ordered[j];
  if (a.position !== b.position) return [{ id: a.id, position: b.position }, { id: b.id, position: a.position }];
  const next = [...ordered];
  next[i] = b;
  next[j] = a;
  return next.map((r, n) => ({ id: r.id, position: n + 1 })).filter((p) => ordered.find((r) => r.id === p.id)?.position !== p.position);
}

/**
 * 允许相差天数 as the table shows it: "±1 天" / "同一天" when the rule compares the date, '' when it does not (the
 * window is then unused).
 * @param {Translate} t
 * @param {{keys: string[], windowDays: number}} rule
 */
export function ruleWindowText(t, rule) {
  if (!rule.keys.includes('studyDate')) return '';
  return rule.windowDays > 0 ? t('archive.rules.windowDays', { n: rule.windowDays }) : t('archive.rules.sameDay');
}

/**
 * @typedef {object} RuleForm what the 匹配规则 dialog holds
 * @property {string} name
 * @property {string[]} keys the ticked facts
 * @property {string} windowDays the number input's text
 * @property {string} action review or match
 * @property {boolean} active
 */

/**
 * The body of POST / PUT /api/archive/matching-rules and the problems to show first: a name, and a whole number of
 * days. Whether the facts are enough to identify the exam (too_weak), the lengths and ranges are the server's to say,
 * under the field it names. The keys keep the order of RULE_KEYS.
 * @param {RuleForm} f
 * @returns {{payload: {name: string, keys: string[], windowDays: number, action: string, active: boolean} | null, problems: Record<string, {key: string}>}}
 */
export function ruleFormPayload(f) {
  /** @type {Record<string, {key: string}>} */
  const problems = {};
  const name = String(f.name ?? '').trim();
  if (!name) problems.name = { key: 'archive.rules.nameRequired' };
  const days = String(f.windowDays ?? '').trim();
  const windowDays = days === '' ? 1 : Number(days);
  if (!/^-?\d+$/.test(days || '1')) problems.windowDays = { key: 'archive.rules.windowInvalid' };
  const known = /** @type {readonly string[]} */ (RULE_KEYS);
  /** @param {string} k */
  const rank = (k) => (known.includes(k) ? known.indexOf(k) : known.length);
  const keys = [...new Set(f.keys)].sort((a, b) => rank(a) - rank(b));
  if (Object.keys(problems).length) return { payload: null, problems };
  return { payload: { name, keys, windowDays, action: f.action || 'review', active: f.active }, problems };
}

// ---------------------------------------------------------------- who opened a study (DM-04)

/** Audit action codes of the access log (ArchiveCatalog.accessLog: dicomweb.*, viewer.*, archive.*) → text. */
export const ACCESS_ACTIONS = {
  'dicomweb.search': 'archive.access.act.search',
  'dicomweb.metadata': 'archive.access.act.metadata',
  'dicomweb.retrieve': 'archive.access.act.retrieve',
  'dicomweb.frames': 'archive.access.act.frames',
  'dicomweb.rendered': 'archive.access.act.rendered',
  'dicomweb.bulkdata': 'archive.access.act.bulkdata',
  'dicomweb.stow': 'archive.access.act.stow',
  'archive.search': 'archive.access.act.archiveSearch',
  'archive.export': 'archive.access.act.archiveExport',
  'archive.completeness': 'archive.access.act.completeness',
  'archive.access-log': 'archive.access.act.accessLog',
  'archive.cloud.upload': 'archive.access.act.cloudUpload',
  'archive.cloud.retry': 'archive.access.act.cloudRetry',
  'archive.cloud.evict': 'archive.access.act.cloudEvict',
  'archive.statistics.export': 'archive.access.act.statisticsExport',
  'archive.match': 'archive.access.act.match',
  'archive.convert': 'archive.access.act.convert',
};

/**
 * @param {Translate} t
 * @param {string} action
 * @returns {string} the action's name, '' when it has none (the code is shown then)
 */
export function accessActionText(t, action) {
  const key = /** @type {Record<string, string>} */ (ACCESS_ACTIONS)[action];
  if (key) return t(key);
  if (action.startsWith('viewer.')) return t('archive.access.act.viewer');
  return '';
}

// ---------------------------------------------------------------- statistics

/** 统计维度 (GET /api/archive/statistics?by=) and their texts. */
export const STAT_GROUPS = /** @type {const} */ ([
  ['modality', 'archive.by.modality'],
  ['studyMonth', 'archive.by.studyMonth'],
  ['studyDay', 'archive.by.studyDay'],
  ['archiveMonth', 'archive.by.archiveMonth'],
  ['archiveDay', 'archive.by.archiveDay'],
  ['institution', 'archive.by.institution'],
]);

/** 上传状态 groupings (GET /api/archive/upload-status?by=). */
export const UPLOAD_GROUPS = /** @type {const} */ ([
  ['modality', 'archive.by.modality'],
  ['institution', 'archive.by.institution'],
  ['archiveDay', 'archive.by.archiveDay'],
]);

/**
 * A statistics key as people read it: "202412" → "2024-12", "20241220" → "2024-12-20", "CT\OT" → "CT/OT";
 * an empty key (no exam date, no modality) → 未填写.
 * @param {Translate} t
 * @param {string} by
 * @param {string} key
 */
export function statKeyText(t, by, key) {
  const k = String(key ?? '').trim();
  if (!k) return t('archive.keyEmpty');
  if (by === 'studyMonth' && /^\d{6}$/.test(k)) return `${k.slice(0, 4)}-${k.slice(4)}`;
  if (by === 'studyDay') return dicomDate(k);
  if (by === 'modality') return modalitiesText(k);
  return k;
}

/**
 * Totals of statistics rows.
 * @param {{studies: number, instances: number, bytes: number}[]} rows
 */
export function statTotals(rows) {
  return rows.reduce((sum, r) => ({ studies: sum.studies + r.studies, instances: sum.instances + r.instances, bytes: sum.bytes + r.bytes }), { studies: 0, instances: 0, bytes: 0 });
}

// ---------------------------------------------------------------- formatting

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/**
 * 579218 → "565.6 KB"; 1024-based, one decimal under 100 of a unit, none above; "0 B" for nothing.
 * @param {number | null | undefined} bytes
 */
export function formatBytes(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const text = value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[unit]}`;
}

/**
 * 12345 → "12,345".
 * @param {number | null | undefined} n
 */
export function formatCount(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '0';
  return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Share of a whole as a percentage for a card: 0 → "0%", 1 of 3 → "33.3%", everything → "100%".
 * @param {number} part @param {number} whole
 */
export function percentText(part, whole) {
  if (!whole || whole <= 0 || !part) return '0%';
  const p = (part / whole) * 100;
  if (p >= 100) return '100%';
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`.replace(/\.0%$/, '%');
}

/**
 * DICOM DA "20241220" → "2024-12-20"; other text unchanged.
 * @param {string | null | undefined} da
 */
export function dicomDate(da) {
  const s = String(da ?? '').trim();
  return /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : s;
}

/**
 * Modalities of a study as stored ("CT\OT") → "CT/OT".
 * @param {string | null | undefined} value
 */
export function modalitiesText(value) {
  return String(value ?? '')
    .split('\\')
    .map((s) => s.trim())
    .filter(Boolean)
    .join('/');
}

/**
 * A DICOM person name "Zhang^San=张^三" → {main: "张三", alt: "Zhang San"}: the Chinese (ideographic) group first,
 * the alphabetic one beside it; a name with one group only has no `alt`. Chinese names are written without a
 * space between family and given name.
 * @param {string | null | undefined} value
 * @returns {{main: string, alt: string}}
 */
export function personName(value) {
  const groups = String(value ?? '').split('=');
  /** @param {string | undefined} g @param {boolean} cjk */
  const clean = (g, cjk) => {
    const parts = String(g ?? '').split('^').map((s) => s.trim()).filter(Boolean);
    return parts.join(cjk ? '' : ' ');
  };
  const alphabetic = clean(groups[0], false);
  const ideographic = clean(groups[1], true);
  if (ideographic) return { main: ideographic, alt: alphabetic && alphabetic !== ideographic ? alphabetic : '' };
  return { main: alphabetic || clean(groups[2], true), alt: '' };
}

/**
 * DICOM sex code → text key.
 * @param {string | null | undefined} sex
 */
export function sexKey(sex) {
  const s = String(sex ?? '').trim().toUpperCase();
  return s === 'M' ? 'archive.sex.M' : s === 'F' ? 'archive.sex.F' : s === 'O' ? 'archive.sex.O' : '';
}

// ---------------------------------------------------------------- charts

/**
 * A value axis for a bar chart: a round maximum at or above `max` and the ticks from 0 to it (at most `count`
 * steps of 1, 2, 2.5 or 5 × 10ⁿ; whole numbers only, as the charts count studies and images).
 * @param {number} max the largest value drawn
 * @param {number} [count] wanted number of steps
 * @returns {{max: number, step: number, ticks: number[]}}
 */
export function niceScale(max, count = 4) {
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  if (top === 0) return { max: 1, step: 1, ticks: [0, 1] };
  const raw = top / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = power;
  for (const m of [1, 2, 2.5, 5, 10]) {
    step = m * power;
    // 2.5 is only round from 25 up (counts are whole numbers).
    if (Number.isInteger(step) && step >= raw) break;
  }
  step = Math.max(1, step);
  const niceMax = Math.ceil(top / step) * step;
  /** @type {number[]} */
  const ticks = [];
  for (let v = 0; v <= niceMax + step / 2; v += step) ticks.push(v);
  return { max: niceMax, step, ticks };
}

/**
 * Widths of the parts of a stacked bar, in pixels, for a bar area `width` wide on a scale to `scaleMax`; parts
 * keep their order, each starts where the one before ended, and a non-zero part is at least 1 px wide.
 * @param {number[]} values
 * @param {number} scaleMax
 * @param {number} width
 * @returns {{x: number, width: number}[]}
 */
export function stackSegments(values, scaleMax, width) {
  let x = 0;
  return values.map((v) => {
    const w = v > 0 && scaleMax > 0 ? Math.max(1, (v / scaleMax) * width) : 0;
    const seg = { x, width: w };
    x += w;
    return seg;
  });
}

/**
 * The rows a chart draws: with more than `limit` keys only the last `limit` are drawn (keys come sorted, so for
 * dates these are the latest); `hidden` says how many were left out.
 * @template T
 * @param {T[]} rows
 * @param {number} limit
 * @returns {{rows: T[], hidden: number}}
 */
export function chartRows(rows, limit) {
  if (rows.length <= limit) return { rows, hidden: 0 };
  return { rows: rows.slice(rows.length - limit), hidden: rows.length - limit };
}

// ---------------------------------------------------------------- 上传转换 (DCM-08)

/** What the file input offers (ConversionController takes JPEG, PNG, BMP pictures and PDF documents). */
export const CONVERT_ACCEPT = '.jpg,.jpeg,.png,.bmp,.pdf';
/** The server's limits (ConversionController.maxFiles, maxFileBytes). */
export const CONVERT_MAX_FILES = 50;
export const CONVERT_MAX_BYTES = 200 * 1024 * 1024;

/** Conversion Type (0008,0064) of pictures, the first the default; PDFs are always SD. */
export const CONVERSION_TYPES = /** @type {const} */ ([
  ['SI', 'archive.convert.type.SI'],
  ['DI', 'archive.convert.type.DI'],
  ['DF', 'archive.convert.type.DF'],
  ['WSD', 'archive.convert.type.WSD'],
]);

const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'bmp'];
const IMAGE_TYPES = ['image/jpeg', 'image/pjpeg', 'image/png', 'image/bmp', 'image/x-bmp', 'image/x-ms-bmp'];

/**
 * What a chosen file is, by its name's extension or else its MIME type: a picture, a PDF, or nothing the server
 * converts (null).
 * @param {{name: string, type?: string}} file
 * @returns {'image' | 'pdf' | null}
 */
export function convertFileKind(file) {
  const m = /\.([^./\\]+)$/.exec(String(file.name || ''));
  const ext = m ? m[1].toLowerCase() : '';
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  if (ext === 'pdf') return 'pdf';
  const type = String(file.type || '').toLowerCase();
  if (IMAGE_TYPES.includes(type)) return 'image';
  if (type === 'application/pdf') return 'pdf';
  return null;
}

/**
 * @typedef {{key: string, params?: Record<string, string | number>}} ConvertProblem a message key and its values
 */

/**
 * Files added to the list (picked or dropped): those of a kind the server converts, not empty, at most 200 MB, not
 * in the list already, and no more than 50 in all. The others are left out, each reason said once.
 * @template {{name: string, size: number, type?: string, lastModified?: number}} F
 * @param {F[]} existing the files in the list
 * @param {F[]} incoming the files being added
 * @param {{maxFiles?: number, maxBytes?: number}} [limits]
 * @returns {{accepted: F[], problems: ConvertProblem[]}}
 */
export function checkConvertFiles(existing, incoming, limits = {}) {
  const maxFiles = limits.maxFiles ?? CONVERT_MAX_FILES;
  const maxBytes = limits.maxBytes ?? CONVERT_MAX_BYTES;
  /** @param {F} f */
  const identity = (f) => `${f.name}\u0000${f.size}\u0000${f.lastModified ?? ''}`;
  const seen = new Set(existing.map(identity));
  /** @type {F[]} */
  const accepted = [];
  /** @type {Record<string, string[]>} */
  const refused = { type: [], empty: [], size: [], duplicate: [], count: [] };
  for (const f of incoming) {
    if (!convertFileKind(f)) refused.type.push(f.name);
    else if (!(f.size > 0)) refused.empty.push(f.name);
    else if (f.size > maxBytes) refused.size.push(f.name);
    else if (seen.has(identity(f))) refused.duplicate.push(f.name);
    else if (existing.length + accepted.length >= maxFiles) refused.count.push(f.name);
    else {
      seen.add(identity(f));
      accepted.push(f);
    }
  }
  /** @type {ConvertProblem[]} */
  const problems = [];
  /** @param {string[]} names */
  const some = (names) => (names.length > 3 ? names.slice(0, 3).join('、') : names.join('、'));
  /** @param {string} reason @param {string} one the text naming the files @param {string} more naming three and counting all */
  const say = (reason, one, more) => {
    const names = refused[reason];
    if (names.length) problems.push({ key: names.length > 3 ? more : one, params: { names: some(names), n: names.length, max: maxFiles, size: formatBytes(maxBytes) } });
  };
  say('type', 'archive.convert.badType', 'archive.convert.badTypeMore');
  say('empty', 'archive.convert.emptyFile', 'archive.convert.emptyFileMore');
  say('size', 'archive.convert.tooBig', 'archive.convert.tooBigMore');
  say('duplicate', 'archive.convert.duplicate', 'archive.convert.duplicateMore');
  say('count', 'archive.convert.tooMany', 'archive.convert.tooManyMore');
  return { accepted, problems };
}

/**
 * The QIDO-RS search (GET /dicomweb/studies) of the study finder: an accession number (letters and digits with at
 * least one digit, as typed) or any part of the patient's name (Chinese or pinyin, fuzzy); null for nothing typed.
 * @param {string} term
 * @param {number} [limit]
 * @returns {Record<string, string> | null}
 */
export function studySearchQuery(term, limit = 20) {
  const v = String(term ?? '').replace(/[\\*?=]/g, '').trim();
  if (!v) return null;
  const base = { includefield: '00081030', limit: String(limit) };
  if (/\d/.test(v) && /^[A-Za-z0-9._-]+$/.test(v)) return { AccessionNumber: v, ...base };
  return { PatientName: `*${v.replace(/\s+/g, '')}*`, fuzzymatching: 'true', ...base };
}

/**
 * @typedef {object} FoundStudy a study of the finder (from a QIDO-RS answer)
 * @property {string} studyUID
 * @property {string} patientName DICOM person name ("Zhang^San=张^三")
 * @property {string} patientId
 * @property {string} sex
 * @property {string} accessionNumber
 * @property {string} studyDate DICOM DA
 * @property {string} modalities "CT\\OT"
 * @property {string} description
 */

/**
 * One study of a DICOM JSON answer (PS3.18 F.2): the attributes the finder shows. A person name comes in its
 * groups (`{Alphabetic, Ideographic}`) and is put together as DICOM writes it.
 * @param {Record<string, {vr?: string, Value?: unknown[]}>} item
 * @returns {FoundStudy}
 */
export function qidoStudy(item) {
  /** @param {string} tag */
  const values = (tag) => (item && item[tag] && Array.isArray(item[tag].Value) ? /** @type {unknown[]} */ (item[tag].Value) : []);
  /** @param {string} tag */
  const text = (tag) => values(tag).map((v) => (v === null || v === undefined ? '' : String(v))).join('\\');
  const pn = values('00100010')[0];
  let name = '';
  if (pn && typeof pn === 'object') {
    const g = /** @type {Record<string, string>} */ (pn);
    name = [g.Alphabetic || '', g.Ideographic || '', g.Phonetic || ''].join('=').replace(/=+$/, '');
  } else if (typeof pn === 'string') {
    name = pn;
  }
  return {
    studyUID: text('0020000D'),
    patientName: name,
    patientId: text('00100020'),
    sex: text('00100040'),
    accessionNumber: text('00080050'),
    studyDate: text('00080020'),
    modalities: text('00080061'),
    description: text('00081030'),
  };
}

/**
 * @typedef {object} ConvertForm what the 上传转换 form holds
 * @property {'study' | 'patient'} target an existing study, or a new patient (and a new study)
 * @property {string} [studyUID] the study picked in the finder
 * @property {string} [patientId]
 * @property {string} [patientName]
 * @property {string} [sex] M, F, O or ''
 * @property {string} [birthDate] YYYY-MM-DD (the date input) or YYYYMMDD
 * @property {string} [studyDescription]
 * @property {string} [seriesDescription]
 * @property {string} [title] document title (PDFs)
 * @property {string} [conversionType] SI, DI, DF or WSD
 */

/**
 * The text fields of POST /api/archive/convert for the form, in order (the `file` parts follow them), and the
 * problems to show under the inputs first: no study picked, the new patient's ID or name missing, a birth date
 * that is not a day. Empty values are left out; texts are trimmed.
 * @param {ConvertForm} f
 * @returns {{fields: [string, string][], problems: Record<string, ConvertProblem>}}
 */
export function convertFields(f) {
  /** @type {[string, string][]} */
  const fields = [];
  /** @type {Record<string, ConvertProblem>} */
  const problems = {};
  const v = (/** @type {string | undefined} */ s) => String(s ?? '').trim();
  /** @param {string} name @param {string} value */
  const add = (name, value) => {
    if (value) fields.push([name, value]);
  };
  if (f.target === 'study') {
    if (!v(f.studyUID)) problems.study = { key: 'archive.convert.pickStudy' };
    add('studyUID', v(f.studyUID));
  } else {
    const id = v(f.patientId);
    const name = v(f.patientName);
    const birth = v(f.birthDate);
    const sex = v(f.sex).toUpperCase();
    if (!id) problems.patientId = { key: 'archive.convert.patientIdRequired' };
    else if (id.length > 64) problems.patientId = { key: 'archive.convert.patientIdTooLong' };
    if (!name) problems.patientName = { key: 'archive.convert.patientNameRequired' };
    if (birth && !/^\d{4}-?\d{2}-?\d{2}$/.test(birth)) problems.birthDate = { key: 'archive.convert.birthDateInvalid' };
    if (sex && !['M', 'F', 'O'].includes(sex)) problems.sex = { key: 'archive.convert.sexInvalid' };
    add('patientId', id);
    add('patientName', name);
    add('sex', sex);
    add('birthDate', birth);
    add('studyDescription', v(f.studyDescription));
  }
  add('seriesDescription', v(f.seriesDescription));
  add('title', v(f.title));
  const type = v(f.conversionType).toUpperCase();
  add('conversionType', CONVERSION_TYPES.some(([code]) => code === type) ? type : 'SI');
  return { fields, problems };
}

/**
 * @typedef {object} ConvertItem the outcome of one file
 * @property {string} filename
 * @property {string} [sopInstanceUID]
 * @property {boolean} ok
 * @property {string} message
 */

/**
 * @typedef {object} ConvertResult the answer of POST /api/archive/convert (201 some converted, 422 none)
 * @property {string} studyUID
 * @property {string} seriesUID
 * @property {ConvertItem[]} items
 */

/**
 * The per-file answer in a failure, if it is one (a 422 that lists the files, not the validation error).
 * @param {unknown} body
 * @returns {ConvertResult | null}
 */
export function convertResultOf(body) {
  const b = /** @type {any} */ (body);
  if (!b || typeof b !== 'object' || !Array.isArray(b.items)) return null;
  return {
    studyUID: String(b.studyUID ?? ''),
    seriesUID: String(b.seriesUID ?? ''),
    items: b.items
      .filter((/** @type {any} */ i) => i && typeof i === 'object')
      .map((/** @type {any} */ i) => ({ filename: String(i.filename ?? ''), ...(i.sopInstanceUID ? { sopInstanceUID: String(i.sopInstanceUID) } : {}), ok: i.ok === true, message: String(i.message ?? '') })),
  };
}

/**
 * How the upload went: converted, failed, all.
 * @param {ConvertResult} r
 */
export function convertCounts(r) {
  const ok = r.items.filter((i) => i.ok).length;
  return { ok, failed: r.items.length - ok, total: r.items.length };
}

/**
 * The server explains a file it could not convert in Chinese only (ConversionService). In English the sentences it
 * writes are recognised and said again in English; anything else is shown as it came.
 * @param {Translate} t
 * @param {string} message
 * @param {string} lang
 */
export function convertMessage(t, message, lang) {
  if (lang !== 'en' || !message) return message;
  if (message === '已转换并归档') return t('archive.convert.msg.ok');
  if (message.startsWith('不支持的文件类型')) return t('archive.convert.msg.type');
  if (message.startsWith('图片无法读取')) return t('archive.convert.msg.unreadable', { detail: message.replace(/^图片无法读取：?/, '') });
  return message;
}

/**
 * The uploads a list of files makes: the pictures in one, the PDFs in another. The server files each upload as one
 * new series, and a series has one modality: pictures are OT (Secondary Capture), PDFs DOC (Encapsulated PDF).
 * Each keeps the order of the list; an upload without files is left out.
 * @template {{name: string, type?: string}} F
 * @param {F[]} files
 * @returns {F[][]}
 */
export function convertBatches(files) {
  const images = files.filter((f) => convertFileKind(f) !== 'pdf');
  const pdfs = files.filter((f) => convertFileKind(f) === 'pdf');
  return [images, pdfs].filter((batch) => batch.length > 0);
}

/**
 * Upload progress as a share: 0..100, whole numbers; 0 when the total is unknown.
 * @param {number} loaded @param {number} total
 */
export function progressPercent(loaded, total) {
  if (!(total > 0) || !(loaded > 0)) return 0;
  return Math.min(100, Math.floor((loaded / total) * 100));
}
