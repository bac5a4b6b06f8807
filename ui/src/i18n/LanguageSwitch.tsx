import { useTranslation } from 'react-i18next';
import { currentLanguage, LANGUAGES, setLanguage, type Language } from './index';

// Each language names itself, so the switch reads the same whatever language is on.
const NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

export function LanguageSwitch() {
  const { t, i18n } = useTranslation('common');
  const value = i18n.resolvedLanguage ? currentLanguage() : 'en';
  return (
    <select className="language-switch" aria-label={t('language')} value={value}
      onChange={(e) => void setLanguage(e.target.value as Language)}>
      {LANGUAGES.map((code) => <option key={code} value={code}>{NAMES[code]}</option>)}
    </select>
  );
}
