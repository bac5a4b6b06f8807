import { describe, expect, it } from 'vitest';
import { httpDefaults, jsonBodyProblem, unknownPlaceholders, urlProblem } from './defaults';

describe('http request helpers', () => {
  it('checks a JSON body with placeholders the way the server does', () => {
    expect(jsonBodyProblem('{"q": "{{query}}", "n": {{count}}, "s": "say \\"{{query}}\\""}')).toBeNull();
    expect(jsonBodyProblem('{"a": }')).toMatch(/^not valid JSON/);
    expect(jsonBodyProblem('  ')).toBe('a JSON body needs content');
  });
  it('names placeholders that are not inputs, by field', () => {
    const config = { ...httpDefaults(), url: 'https://x/{{id}}', headers: [{ name: 'X', value: '{{token}}' }] };
    expect(unknownPlaceholders(config, ['id'])).toEqual([{ field: 'config.headers[0].value', name: 'token' }]);
  });
  it('wants an http(s) URL or a placeholder', () => {
    expect(urlProblem('https://')).toBe('enter the URL');
    expect(urlProblem('ftp://x')).toBe('the URL must start with http:// or https://');
    expect(urlProblem('{{base}}/items')).toBeNull();
  });
});
