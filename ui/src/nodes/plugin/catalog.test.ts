import { describe, expect, it } from 'vitest';
import { findTool, inputsForTool, paramType, toolOutputs, type PluginInfo } from './catalog';
import { pluginOutputs } from './defaults';

const catalog: PluginInfo[] = [{
  name: 'read_file', tools: [{
    name: 'read_file',
    parameters: [
      { name: 'file_url', type: 'file', extra_types: ['string'], required: true },
      { name: 'max_chars', type: 'integer', required: false, default: 20000 },
      { name: 'encoding', type: 'string', required: false, default: null },
    ],
    outputs: [{ name: 'text', type: 'string' }, { name: 'page_count', type: 'integer' }],
  }],
}];

describe('plugin catalog', () => {
  it('finds tools and names their types and outputs', () => {
    const tool = findTool(catalog, 'read_file', 'read_file')!;
    expect(paramType(tool.parameters[0])).toBe('file | string');
    expect(toolOutputs(tool)).toEqual({ text: 'string', page_count: 'integer' });
    expect(findTool(catalog, 'read_file', 'nope')).toBeUndefined();
  });

  it('fills inputs with required parameters and defaults, keeping wired ones', () => {
    const tool = findTool(catalog, 'read_file', 'read_file')!;
    expect(inputsForTool(tool)).toEqual({ file_url: { ref: '' }, max_chars: { value: 20000 } });
    expect(inputsForTool(tool, { file_url: { ref: 'start.doc' }, stale: { ref: 'x.y' } }))
      .toEqual({ file_url: { ref: 'start.doc' }, max_chars: { value: 20000 } });
  });

  it('declares no outputs for an unknown tool, the tool outputs for a known one', () => {
    expect(pluginOutputs({ plugin: 'read_file', tool: 'read_file' }, catalog)).toEqual({ text: 'string', page_count: 'integer' });
    expect(pluginOutputs({ plugin: 'x', tool: 'y' }, catalog)).toEqual({});
  });
});
