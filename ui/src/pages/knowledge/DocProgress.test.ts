import { describe, expect, it } from 'vitest';
import { progressText } from './DocProgress';

describe('progressText', () => {
  it('says parsing until the document is cut, then counts embedded chunks', () => {
    expect(progressText({ status: 'queued' })).toBe('queued');
    expect(progressText({ status: 'indexing', chunks_total: 0, chunks_embedded: 0 })).toBe('parsing…');
    expect(progressText({ status: 'indexing', chunks_total: 40, chunks_embedded: 10 })).toBe('embedded 10 / 40 chunks (25%)');
    expect(progressText({ status: 'ready', chunks: 40, chunks_total: 40, chunks_embedded: 40 })).toBe('40 chunks');
  });
});
