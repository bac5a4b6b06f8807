// An app's API call as the publish panels show it: the endpoint, then blocking and streaming examples in curl
// or Python, each with a copy button.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiExamples } from './apiExamples';

type Language = 'curl' | 'python';

/** `ids` names the examples' test ids (the curl ones keep the names the panels had). */
export function ApiExamplesView({ examples, ids }: { examples: ApiExamples; ids: { blocking: string; streaming: string; prefix: string } }) {
  const { t } = useTranslation('publish');
  const [language, setLanguage] = useState<Language>('curl');
  const blocking = language === 'curl' ? examples.blocking : examples.pythonBlocking;
  const streaming = language === 'curl' ? examples.streaming : examples.pythonStreaming;
  const id = (curlId: string, pythonSuffix: string) => (language === 'curl' ? curlId : `${ids.prefix}python${pythonSuffix}`);
  return (
    <div className="api-examples">
      <code data-testid={`${ids.prefix}api-endpoint`}>{examples.endpoint}</code>
      <div className="row" role="tablist">
        {(['curl', 'python'] as const).map((l) => (
          <button key={l} type="button" role="tab" aria-selected={language === l} className={language === l ? 'primary' : ''}
            onClick={() => setLanguage(l)} data-testid={`${ids.prefix}example-${l}`}>{t(`language.${l}`)}</button>
        ))}
      </div>
      <div className="field-label">{t('blocking')}</div>
      <pre className="json" data-testid={id(ids.blocking, '')}>{blocking}</pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(blocking)} data-testid={`${ids.prefix}copy-blocking`}>{t('copy')}</button>
      <div className="field-label">{t('streaming')}</div>
      <pre className="json" data-testid={id(ids.streaming, '-streaming')}>{streaming}</pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(streaming)} data-testid={`${ids.prefix}copy-streaming`}>{t('copy')}</button>
    </div>
  );
}

/** A key's name, then the button that creates it. */
export function NewKey({ onCreate, disabled, disabledReason, testIdPrefix }: { onCreate: (name: string) => void; disabled?: boolean; disabledReason?: string; testIdPrefix: string }) {
  const { t } = useTranslation('publish');
  const [name, setName] = useState('');
  return (
    <form className="row" onSubmit={(e) => { e.preventDefault(); onCreate(name.trim()); setName(''); }}>
      <input value={name} maxLength={200} placeholder={t('keyNamePlaceholder')} onChange={(e) => setName(e.target.value)} data-testid={`${testIdPrefix}key-name`} aria-label={t('keyName')} />
      <button type="submit" disabled={disabled} title={disabled ? disabledReason : ''} data-testid={`${testIdPrefix}create-key`}>{t('createKey')}</button>
    </form>
  );
}
