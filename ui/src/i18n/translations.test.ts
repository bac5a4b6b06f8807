// Every namespace exists in every language with the same keys and placeholders, so no page ships
// half a translation, and every namespace and literal key the source asks for exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResources, LANGUAGES, toSupportedLanguage } from './index';

const LOCALES = join(__dirname, 'locales');
const SRC = join(__dirname, '..');
const PLURAL = /_(zero|one|two|few|many|other)$/;

type Messages = { [key: string]: string | Messages };

function load(language: string): Record<string, Messages> {
  const out: Record<string, Messages> = {};
  for (const file of readdirSync(join(LOCALES, language))) {
    if (!file.endsWith('.json')) throw new Error(`${language}/${file} is not a .json namespace file`);
    out[file.slice(0, -5)] = JSON.parse(readFileSync(join(LOCALES, language, file), 'utf8')) as Messages;
  }
  return out;
}

/** Flat "a.b.c" keys; plural forms (_one, _other...) count as their base key, since languages differ in forms. */
function flatten(messages: Messages, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path.replace(PLURAL, ''), value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

const all = Object.fromEntries(LANGUAGES.map((language) => [language, load(language)]));
const namespaces = Object.keys(all.en).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'locales' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('translations', () => {
  it('has the same namespace files in every language', () => {
    expect(namespaces.length).toBeGreaterThan(0);
    for (const language of LANGUAGES) expect(Object.keys(all[language]).sort(), language).toEqual(namespaces);
  });

  for (const ns of namespaces) {
    it(`namespace "${ns}" has the same keys and placeholders in every language`, () => {
      const en = flatten(all.en[ns]);
      for (const language of LANGUAGES.filter((l) => l !== 'en')) {
        const other = flatten(all[language][ns]);
        const missing = [...en.keys()].filter((k) => !other.has(k));
        const extra = [...other.keys()].filter((k) => !en.has(k));
        expect({ missing, extra }, `${language}/${ns}.json against en/${ns}.json`).toEqual({ missing: [], extra: [] });
        for (const [key, text] of en) {
          expect(other.get(key)!.trim(), `${language}/${ns}.json "${key}" is empty`).not.toBe('');
          expect(placeholders(other.get(key)!), `${language}/${ns}.json "${key}" placeholders`).toEqual(placeholders(text));
        }
      }
    });
  }

  it('has a namespace file for every namespace and literal key the source uses', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      const used = [...text.matchAll(/useTranslation\(\s*(\[[^\]]*\]|'[^']*')/g)]
        .flatMap((m) => [...m[1].matchAll(/'([^']+)'/g)].map((n) => n[1]));
      const name = relative(SRC, file);
      for (const ns of used) if (!all.en[ns]) problems.push(`${name}: namespace "${ns}" has no locales/en/${ns}.json`);
      if (used.length === 0) continue;
      // t('key') / t('ns:key') with a literal key must exist in one of the file's namespaces.
      for (const m of text.matchAll(/\bt\(\s*'([^']+)'/g)) {
        const [ns, key] = m[1].includes(':') ? m[1].split(':', 2) : [null, m[1]];
        const candidates = ns ? [ns] : used;
        if (!candidates.some((n) => all.en[n] && flatten(all.en[n]).has(key))) problems.push(`${name}: key "${m[1]}" not in ${candidates.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('maps browser languages onto the supported ones', () => {
    expect(toSupportedLanguage('zh')).toBe('zh-CN');
    expect(toSupportedLanguage('zh-Hans-CN')).toBe('zh-CN');
    expect(toSupportedLanguage('en-GB')).toBe('en');
    expect(toSupportedLanguage('fr-FR')).toBe('en');
    expect(toSupportedLanguage(undefined)).toBe('en');
  });

  it('registers every bundled namespace file', () => {
    const resources = collectResources({ './locales/en/a.json': { x: '1' }, './locales/zh-CN/a.json': { x: '一' } });
    expect(resources).toEqual({ en: { a: { x: '1' } }, 'zh-CN': { a: { x: '一' } } });
    expect(() => collectResources({ './locales/a.json': {} })).toThrow(/locales\/<language>\/<namespace>\.json/);
  });
});
