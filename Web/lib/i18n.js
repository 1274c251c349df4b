// UI text lookup. Chinese (zh-CN) is the default and the fallback; English is switchable.
// The pure part (createTranslator, normalizeLanguage) is unit-tested; the module-level singleton
// below is what views use (`t('users.title')`).
import zhCN from './i18n/zh-CN.js';
import en from './i18n/en.js';
import viewerZhCN from './i18n/viewer.zh-CN.js';
import viewerEn from './i18n/viewer.en.js';
import archiveZhCN from './i18n/archive.zh-CN.js';
import archiveEn from './i18n/archive.en.js';
import worklistZhCN from './i18n/worklist.zh-CN.js';
import worklistEn from './i18n/worklist.en.js';
import compareZhCN from './i18n/compare.zh-CN.js';
import compareEn from './i18n/compare.en.js';
import remoteZhCN from './i18n/remote.zh-CN.js';
import remoteEn from './i18n/remote.en.js';
import viewerExportZhCN from './i18n/viewer-export.zh-CN.js';
import viewerExportEn from './i18n/viewer-export.en.js';
import schedulingZhCN from './i18n/scheduling.zh-CN.js';
import schedulingEn from './i18n/scheduling.en.js';
import registrationZhCN from './i18n/registration.zh-CN.js';
import registrationEn from './i18n/registration.en.js';

/** @typedef {'zh-CN' | 'en'} Language */
/** @typedef {Record<string, string>} Catalog */
/** @typedef {Record<string, string | number | null | undefined>} Params */

export const LANGUAGES = /** @type {const} */ (['zh-CN', 'en']);
export const DEFAULT_LANGUAGE = /** @type {Language} */ ('zh-CN');
export const STORAGE_KEY = 'yy.lang';

/**
 * Adds a module's texts (e.g. the viewer's, kept in their own files) to a catalogue. Merged in place, so every
 * importer of zh-CN.js / en.js sees one catalogue per language; a key defined twice is a mistake and throws.
 * @param {Catalog} into @param {Catalog} extra
 */
export function mergeCatalog(into, extra) {
  for (const [key, text] of Object.entries(extra)) {
    if (Object.prototype.hasOwnProperty.call(into, key) && into[key] !== text) throw new Error(`i18n: ${key} defined twice`);
    into[key] = text;
  }
  return into;
}

/** @type {Record<Language, Catalog>} */
export const CATALOGS = {
  'zh-CN': mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(zhCN, viewerZhCN), archiveZhCN), worklistZhCN), compareZhCN), remoteZhCN), viewerExportZhCN), schedulingZhCN), registrationZhCN),
  en: mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(mergeCatalog(en, viewerEn), archiveEn), worklistEn), compareEn), remoteEn), viewerExportEn), schedulingEn), registrationEn),
};

/**
 * Map anything a user or browser might give ("en-US", "zh", "ZH-cn", null) to a supported language.
 * @param {string | null | undefined} value
 * @returns {Language}
 */
export function normalizeLanguage(value) {
  const v = String(value || '').trim().toLowerCase();
  if (v.startsWith('en')) return 'en';
  return 'zh-CN';
}

/**
 * Replace `{name}` placeholders with params; unknown placeholders stay as written.
 * @param {string} text
 * @param {Params} [params]
 */
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

/**
 * A lookup function for one language: missing keys fall back to Chinese, then to the key itself
 * (so a missing text is visible rather than blank).
 * @param {Record<string, Catalog>} catalogs
 * @param {string} lang
 * @returns {(key: string, params?: Params) => string}
 */
export function createTranslator(catalogs, lang) {
  const primary = catalogs[lang] || {};
  const fallback = catalogs[DEFAULT_LANGUAGE] || {};
  return (key, params) => {
    const text = Object.prototype.hasOwnProperty.call(primary, key)
      ? primary[key]
      : Object.prototype.hasOwnProperty.call(fallback, key)
        ? fallback[key]
        : key;
    return interpolate(text, params);
  };
}

/** @type {Language} */
let current = DEFAULT_LANGUAGE;
let lookup = createTranslator(CATALOGS, current);

/** @returns {Storage | null} */
function storage() {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked by browser settings
  }
}

/**
 * Translate a key in the current language.
 * @param {string} key
 * @param {Params} [params]
 */
export function t(key, params) {
  return lookup(key, params);
}

/** @returns {Language} */
export function getLanguage() {
  return current;
}

/** The value to send as Accept-Language so server error messages match the UI. */
export function acceptLanguage() {
  return current === 'en' ? 'en' : 'zh-CN,zh;q=0.9';
}

/**
 * Switch language, remember it, and update <html lang>.
 * @param {string} lang
 */
export function setLanguage(lang) {
  current = normalizeLanguage(lang);
  lookup = createTranslator(CATALOGS, current);
  storage()?.setItem(STORAGE_KEY, current);
  if (typeof document !== 'undefined') document.documentElement.lang = current;
}

/** Load the remembered language (Chinese when nothing was chosen yet). */
export function initLanguage() {
  const saved = storage()?.getItem(STORAGE_KEY);
  current = normalizeLanguage(saved || DEFAULT_LANGUAGE);
  lookup = createTranslator(CATALOGS, current);
  if (typeof document !== 'undefined') document.documentElement.lang = current;
  return current;
}
