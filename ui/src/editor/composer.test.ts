import { describe, expect, it } from 'vitest';
import { composerKey } from './composer';

describe('composerKey', () => {
  it('sends on Enter, breaks the line on Shift+Enter, leaves an input method alone', () => {
    expect(composerKey({ key: 'Enter', shiftKey: false })).toBe('send');
    expect(composerKey({ key: 'Enter', shiftKey: true })).toBe('newline');
    expect(composerKey({ key: 'Enter', shiftKey: false, nativeEvent: { isComposing: true } })).toBeNull();
    expect(composerKey({ key: 'Enter', shiftKey: false, keyCode: 229 })).toBeNull();
    expect(composerKey({ key: 'a', shiftKey: false })).toBeNull();
  });
});
