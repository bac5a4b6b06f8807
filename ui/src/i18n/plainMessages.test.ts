// Validation messages follow the console's language: the same rules, worded in Chinese.
import { afterAll, describe, expect, it } from 'vitest';
import i18n from './index';
import { plainMessage } from '../workflow/messages';

describe('plain validation messages in Chinese', () => {
  afterAll(() => i18n.changeLanguage('en'));

  it('names the field and says what is wrong in Chinese words', async () => {
    await i18n.changeLanguage('zh-CN');
    expect(plainMessage('config.temperature', 'Input should be less than or equal to 2')).toBe('温度：不能大于 2');
    expect(plainMessage('config.cases[0].id', "String should match pattern '^[A-Za-z0-9_-]{1,64}$'"))
      .toBe('条件分支 ID：只能包含字母、数字、_ 和 -（最多 64 个字符）');
    expect(plainMessage('config.messages', 'List should have at least 1 item after validation, not 0')).toBe('消息：至少需要 1 项');
    expect(plainMessage('inputs.x', "ref 'nope.text' points to unknown node 'nope'")).toBe('X：读取 nope.text，但不存在节点“nope”');
  });

  it('keeps messages it has no rule for', async () => {
    await i18n.changeLanguage('zh-CN');
    expect(plainMessage('inputs.q', "'llm.text' is not upstream of this node")).toBe("'llm.text' is not upstream of this node");
  });
});
