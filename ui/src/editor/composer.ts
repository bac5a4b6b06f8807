// The chat box's keys: Enter sends, Shift+Enter starts a new line, and an Enter that confirms an input
// method's composition (Chinese, Japanese) neither sends nor breaks the line.

export interface ComposerKey { key: string; shiftKey: boolean; nativeEvent?: { isComposing?: boolean }; keyCode?: number }

export function composerKey(e: ComposerKey): 'send' | 'newline' | null {
  if (e.key !== 'Enter') return null;
  if (e.nativeEvent?.isComposing || e.keyCode === 229) return null;
  return e.shiftKey ? 'newline' : 'send';
}
