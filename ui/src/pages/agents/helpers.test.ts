import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../api/client';
import { applyAgentEvent, prettyJson, shownAnswer, startTurn, type AgentTurn } from './chatState';
import { composePersona, parsePersona, setExtra, setSection } from './persona';
import { matches, pluginOptions, toggleSkill, unmatchedSkills, workflowOptions } from './skills';
import { modelNames } from './ModelSettings';
import { traceBars, traceTokens } from './traceView';
import type { TraceStep } from './types';

const example = JSON.parse(readFileSync(resolve(__dirname, '../../../../apps/research-assistant.agent.json'), 'utf-8'));

describe('persona', () => {
  it('reads the seed persona into its five sections and writes it back unchanged', () => {
    const parts = parsePersona(example.persona);
    expect(parts.lang).toBe('zh');
    expect(parts.sections.role).toBe('你是一名严谨的AI学术研究助手，帮助用户研读论文和技术文档。');
    expect(parts.sections.steps).toContain('read_file');
    expect(parts.sections.output.startsWith('先用一句话')).toBe(true);
    expect(parts.extra).toBe('');
    expect(composePersona(parts)).toBe(example.persona);
  });

  it('keeps free text and unknown headings, and writes English headings for an English persona', () => {
    const text = 'Be kind.\n\n# Role\nA tutor.\n\n# Notes\nkeep me';
    const parts = parsePersona(text);
    expect(parts.sections.role).toBe('A tutor.');
    expect(parts.extra).toBe('Be kind.\n\n# Notes\nkeep me');
    expect(setSection(text, 'task', 'Explain maths.')).toBe('# Role\nA tutor.\n\n# Task\nExplain maths.\n\nBe kind.\n\n# Notes\nkeep me');
    expect(setSection('', 'role', 'A tutor.')).toBe('# Role\nA tutor.');
    expect(composePersona({ ...parsePersona('# Role\n老师'), lang: 'zh' })).toBe('# 角色\n老师');
    expect(setExtra('# Role\nA tutor.', 'PS')).toBe('# Role\nA tutor.\n\nPS');
    expect(setSection('# Role\nA tutor.', 'role', '')).toBe('');
  });
});

function fold(events: [Record<string, unknown>, string?][]): AgentTurn {
  return events.reduce((t, [e, name]) => applyAgentEvent(t, e, name), startTurn('why?'));
}

describe('chat state', () => {
  it('pairs tool calls with results, moves tool-step text to a thought and streams the answer', () => {
    const running = fold([
      [{ conversation_id: 'c1', run_id: 't1', turn_id: 't1' }, 'conversation'],
      [{ type: 'model_started', step: 1 }],
      [{ type: 'text_chunk', step: 1, delta: 'Let me look.' }],
      [{ type: 'model_finished', step: 1, tool_calls: 2 }],
      [{ type: 'tool_call', step: 1, call_id: 'a', tool: 'read_file', arguments: '{"file_url":"x"}' }],
      [{ type: 'tool_call', step: 1, call_id: 'b', tool: 'search_knowledge', arguments: '{"query":"q"}' }],
      [{ type: 'tool_result', step: 1, call_id: 'b', tool: 'search_knowledge', result: '[]', error: null, elapsed_ms: 12 }],
      [{ type: 'tool_result', step: 1, call_id: 'a', tool: 'read_file', result: '{"error":"no file"}', error: 'no file', elapsed_ms: 3 }],
      [{ type: 'model_started', step: 2 }],
      [{ type: 'text_chunk', step: 2, delta: 'Because' }],
    ]);
    expect(running.conversationId).toBe('c1');
    expect(running.steps.map((s) => s.kind)).toEqual(['thought', 'tool', 'tool']);
    const [, a, b] = running.steps;
    expect(a).toMatchObject({ callId: 'a', status: 'failed', error: 'no file', elapsedMs: 3 });
    expect(b).toMatchObject({ callId: 'b', status: 'done', result: '[]' });
    expect(shownAnswer(running)).toBe('Because');
    const done = [[{ type: 'text_chunk', step: 2, delta: ' so.' }], [{ type: 'model_finished', step: 2, tool_calls: 0 }],
      [{ type: 'turn_finished', status: 'succeeded', answer: 'Because so.', error: null, usage: { total_tokens: 9 }, elapsed_ms: 40 }],
      [{ answer: 'Because so.', status: 'succeeded', run_id: 't1', conversation_id: 'c1' }, 'message']] as [Record<string, unknown>, string?][];
    const finished = done.reduce((t, [e, n]) => applyAgentEvent(t, e, n), running);
    expect(finished).toMatchObject({ status: 'succeeded', answer: 'Because so.', turnId: 't1', elapsedMs: 40 });
  });

  it('records retrievals and a model error', () => {
    const t = fold([[{ type: 'retrieval', query: 'q', knowledge_bases: ['kb'], hits: [{ content: 'c', score: 0.5, document: 'd' }], elapsed_ms: 5 }],
      [{ type: 'model_started', step: 1 }], [{ type: 'model_finished', step: 1, error: 'refused', latency_ms: 3 }],
      [{ type: 'turn_finished', status: 'failed', answer: '', error: 'refused' }]]);
    expect(t.steps[0]).toMatchObject({ kind: 'retrieval', knowledgeBases: ['kb'] });
    expect(t).toMatchObject({ status: 'failed', error: 'refused', answer: '' });
  });

  it('pretty-prints arguments that parse and leaves others', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson('not json')).toBe('not json');
  });
});

describe('skills', () => {
  const plugins = [{ name: 'read_file', tools: [{ name: 'read_file', description: 'Read' }] }, { name: 'web', tools: [{ name: 'get' }, { name: 'post' }] }];
  const workflows = [{ id: 'w1', name: 'AI研读研究助手', latest_version: 2 }, { id: 'w2', name: 'draft only', latest_version: null }];

  it('offers plugin tools and only published workflows', () => {
    expect(pluginOptions(plugins).map((o) => o.label)).toEqual(['read_file', 'web / get', 'web / post']);
    expect(workflowOptions(workflows).map((o) => o.key)).toEqual(['workflow:w1']);
  });

  it('matches a workflow skill by id or name, toggles, and lists skills no option covers', () => {
    const [wf] = workflowOptions(workflows);
    const [read] = pluginOptions(plugins);
    expect(matches({ type: 'workflow', workflow: 'AI研读研究助手', name: 'research_assistant' }, wf)).toBe(true);
    const skills = toggleSkill([{ type: 'workflow', workflow: 'w9' }], read);
    expect(skills).toEqual([{ type: 'workflow', workflow: 'w9' }, { type: 'plugin', plugin: 'read_file', tool: 'read_file' }]);
    expect(toggleSkill(skills, read)).toEqual([{ type: 'workflow', workflow: 'w9' }]);
    expect(unmatchedSkills(skills, [wf, read])).toEqual([{ type: 'workflow', workflow: 'w9' }]);
  });

});

describe('trace timeline', () => {
  it('puts model calls in sequence and the tools of one step side by side', () => {
    const trace: TraceStep[] = [
      { kind: 'retrieval', elapsed_ms: 10 },
      { kind: 'model', step: 1, latency_ms: 90, usage: { total_tokens: 30 } },
      { kind: 'tool', step: 1, tool: 'b', started_at: 100.05, elapsed_ms: 50 },
      { kind: 'tool', step: 1, tool: 'a', started_at: 100.0, elapsed_ms: 200, error: 'x' },
      { kind: 'model', step: 2, latency_ms: 100, usage: { total_tokens: 12 } },
    ];
    const bars = traceBars(trace);
    expect(bars.map((b) => [b.label, Math.round(b.startMs)])).toEqual([['retrieval', 0], ['model · step 1', 10], ['b', 150], ['a', 100], ['model · step 2', 300]]);
    expect(bars[4].offsetPct + bars[4].widthPct).toBeCloseTo(100);
    expect(bars[3].failed).toBe(true);
    expect(traceTokens(trace)).toBe(42);
  });
});

describe('fieldErrors', () => {
  it('names each field of a 422 detail', () => {
    expect(fieldErrors([{ loc: ['body', 'skills', 0, 'plugin', 'name'], msg: 'bad' }, { loc: ['body', 'name'], msg: 'short' }]))
      .toBe('skills[0].plugin.name: bad\nname: short');
  });
});

describe('modelNames', () => {
  it('lists default, registered and configured models once, keeping the current one', () => {
    expect(modelNames([{ name: 'qwen' }], [{ name: 'default' }, { name: 'gpt' }], 'old')).toEqual(['default', 'qwen', 'gpt', 'old']);
  });
});
