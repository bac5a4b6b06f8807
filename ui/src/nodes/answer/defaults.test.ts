import { describe, expect, it } from 'vitest';
import { unknownPlaceholders } from './defaults';

describe('unknownPlaceholders', () => {
  it('names each placeholder that is not an input, once, in order', () => {
    expect(unknownPlaceholders('{{a}} {{ b }} {{c}} {{b}}', ['a'])).toEqual(['b', 'c']);
  });
  it('ignores text that is not a placeholder', () => {
    expect(unknownPlaceholders('{ {a} } {{1x}} {{x.y}}', [])).toEqual([]);
  });
});
