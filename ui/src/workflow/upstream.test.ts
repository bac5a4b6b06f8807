import { describe, expect, it } from 'vitest';
import { ancestors, typeOfRef, upstreamOutputs } from './upstream';
import { fromWorkflowJson } from './serialize';
import { teachingAssistant } from '../test/fixtures';
import { outputsOf } from '../nodes/outputs';

const state = fromWorkflowJson(teachingAssistant);

describe('upstream output picker', () => {
  it('lists only ancestors, nearest first', () => {
    expect(ancestors('merge', state.edges)).toEqual(['polish', 'ai', 'check', 'kb', 'extract', 'start']);
    expect(ancestors('start', state.edges)).toEqual([]);
  });

  it('offers typed outputs, JSON schema fields included', () => {
    const refs = upstreamOutputs('kb', state.nodes, state.edges, outputsOf);
    const byRef = Object.fromEntries(refs.map((o) => [o.ref, o.type]));
    expect(byRef['extract.question']).toBe('string');
    expect(byRef['extract.text']).toBe('string');
    expect(byRef['start.query']).toBe('string');
    expect(byRef['polish.text']).toBeUndefined();
    expect(byRef['sys.files']).toBe('array[file]');
    expect(byRef['sys.query']).toBeUndefined();
  });

  it('adds chat system variables in chat mode and filters by type', () => {
    const chat = upstreamOutputs('merge', state.nodes, state.edges, outputsOf, 'chat');
    expect(chat.some((o) => o.ref === 'sys.history')).toBe(true);
    const arrays = upstreamOutputs('merge', state.nodes, state.edges, outputsOf, 'workflow', ['array']);
    expect(arrays.map((o) => o.ref)).toEqual(['kb.output_list', 'sys.files']);
  });

  it('types refs, deeper paths as any', () => {
    const refs = upstreamOutputs('merge', state.nodes, state.edges, outputsOf);
    expect(typeOfRef('kb.output_list', refs)).toBe('array[object]');
    expect(typeOfRef('kb.output_list.0', refs)).toBe('any');
    expect(typeOfRef('nope.x', refs)).toBeUndefined();
  });
});
