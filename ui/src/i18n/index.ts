// The console's translations: i18next with react-i18next. Every namespace file under
// locales/<language>/<namespace>.json is bundled and registered here, so adding a page's strings
// needs no edit of this file. See README.md for the conventions.
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';
/** localStorage key of the language the user picked with the switch. */
export const STORAGE_KEY = 'loom.language';

type Messages = { [key: string]: string | Messages };

const files = import.meta.glob<Messages>('./locales/*/*.json', { eager: true, import: 'default' });

/** { en: { common: {...}, editor: {...} }, 'zh-CN': {...} } from the bundled JSON files. */
export function collectResources(found: Record<string, Messages>): Record<string, Record<string, Messages>> {
  const resources: Record<string, Record<string, Messages>> = {};
  for (const [path, messages] of Object.entries(found)) {
    const match = /\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (!match) throw new Error(`translation file ${path} is not locales/<language>/<namespace>.json`);
    const [, language, namespace] = match;
    (resources[language] ??= {})[namespace] = messages;
  }
  return resources;
}

/** Any Chinese browser language gets the Simplified Chinese console; everything else English. */
export function toSupportedLanguage(code: string | undefined | null): Language {
  if (!code) return DEFAULT_LANGUAGE;
  if (code.toLowerCase().startsWith('zh')) return 'zh-CN';
  return code.toLowerCase().startsWith('en') ? 'en' : DEFAULT_LANGUAGE;
}

const resources = collectResources(files);
const inBrowser = typeof window !== 'undefined';
if (inBrowser) i18n.use(LanguageDetector);
void i18n.use(initReactI18next).init({
  resources,
  ns: Object.keys(resources[DEFAULT_LANGUAGE] ?? {}),
  defaultNS: 'common',
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  lng: inBrowser ? undefined : DEFAULT_LANGUAGE,
  initAsync: false, // the bundled resources are there at once: plain modules can translate on import
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  detection: {
    // The stored choice of the switch wins; otherwise the browser's languages. Only the switch stores.
    order: ['localStorage', 'navigator'],
    lookupLocalStorage: STORAGE_KEY,
    caches: [],
    convertDetectedLanguage: (code: string) => toSupportedLanguage(code),
  },
});

function syncDocument(language: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}
syncDocument(i18n.language);
i18n.on('languageChanged', syncDocument);

/** The language switch: change the console's language and remember the choice in this browser. */
export function setLanguage(language: Language): Promise<unknown> {
  if (inBrowser) window.localStorage.setItem(STORAGE_KEY, language);
  return i18n.changeLanguage(language);
}

export function currentLanguage(): Language {
  return toSupportedLanguage(i18n.resolvedLanguage ?? i18n.language);
}

export default i18n;
