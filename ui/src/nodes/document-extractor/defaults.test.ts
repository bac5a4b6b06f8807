import { describe, expect, it } from 'vitest';
import { documentExtractorOutputs, fileInputProblem } from './defaults';

describe('document extractor helpers', () => {
  it('gives a string for one file and a list for many', () => {
    expect(documentExtractorOutputs({ multiple: false })).toEqual({ text: 'string' });
    expect(documentExtractorOutputs({ multiple: true })).toEqual({ text: 'array[string]' });
  });
  it('marks an input that does not match multiple', () => {
    expect(fileInputProblem('array[file]', false)).toMatch(/list of files/);
    expect(fileInputProblem('file', true)).toMatch(/one file/);
    expect(fileInputProblem('string', false)).toBe('this is string, not a file');
    expect(fileInputProblem('file', false)).toBeNull();
  });
});
