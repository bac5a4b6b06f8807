import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromWorkflowJson, toWorkflowJson } from './serialize';
import { teachingAssistant } from '../test/fixtures';
import type { WorkflowJson } from './types';

const stripPositions = (json: WorkflowJson) => ({
  ...json, nodes: json.nodes.map(({ position: _p, ...rest }) => rest),
});

describe('toWorkflowJson/fromWorkflowJson', () => {
  it('round-trips the teaching-assistant workflow', () => {
    const once = toWorkflowJson(fromWorkflowJson(teachingAssistant));
    expect(stripPositions(once)).toEqual(stripPositions({ ...teachingAssistant }));
    expect(toWorkflowJson(fromWorkflowJson(once))).toEqual(once);
  });

  it('lays out nodes without positions by depth and keeps given positions', () => {
    const state = fromWorkflowJson(teachingAssistant);
    const pos = Object.fromEntries(state.nodes.map((n) => [n.id, n.position]));
    expect(pos.start.x).toBeLessThan(pos.extract.x);
    expect(pos.polish.x).toEqual(pos.ai.x);
    expect(pos.polish.y).not.toEqual(pos.ai.y);
    const moved = { ...teachingAssistant, nodes: teachingAssistant.nodes.map((n) => ({ ...n, position: { x: 7, y: 9 } })) };
    expect(fromWorkflowJson(moved).nodes[0].position).toEqual({ x: 7, y: 9 });
  });

  it('keeps branch handles and omits the default one', () => {
    const json = toWorkflowJson(fromWorkflowJson(teachingAssistant));
    expect(json.edges.find((e) => e.target === 'polish')).toEqual({ source: 'check', target: 'polish', source_handle: 'found' });
    expect(json.edges[0]).toEqual({ source: 'start', target: 'extract' });
  });

  it('marks start and end undeletable', () => {
    const state = fromWorkflowJson(teachingAssistant);
    expect(state.nodes.filter((n) => n.deletable === false).map((n) => n.id)).toEqual(['start', 'end']);
  });

  const dir = fileURLToPath(new URL('../../../workflows', import.meta.url));
  const files = existsSync(dir) ? readdirSync(dir).filter((f: string) => f.endsWith('.json')) : [];
  it.each(files.length ? files : ['(none)'])('round-trips workflows/%s', (file: string) => {
    if (file === '(none)') return;
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as WorkflowJson;
    const once = toWorkflowJson(fromWorkflowJson(json));
    expect(toWorkflowJson(fromWorkflowJson(once))).toEqual(once);
    expect(once.nodes.map((n) => n.id)).toEqual(json.nodes.map((n) => n.id));
    expect(once.edges.length).toEqual(json.edges.length);
  });
});
