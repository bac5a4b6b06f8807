import { describe, expect, it } from 'vitest';
import { DifyExportError, exportRefusal } from './api';

const t = (key: string, options?: Record<string, string>) => `${key} ${JSON.stringify(options ?? {})}`;

describe('exportRefusal', () => {
  it('names the workflow, then each node the server named', () => {
    const refused = new DifyExportError('refused', [{ node_id: 'classify', reason: 'no else' }, { node_id: '', reason: 'whole' }]);
    const shown = exportRefusal(refused, 'Router', t) as Error;
    expect(shown.message.split('\n')).toEqual([
      'difyImport:exportFailed {"name":"Router"}',
      'difyImport:exportProblem {"id":"classify","reason":"no else"}',
      'whole',
    ]);
  });

  it('leaves other errors as they are', () => {
    const other = new Error('network down');
    expect(exportRefusal(other, 'Router', t)).toBe(other);
    const bare = new DifyExportError('500 Internal Server Error', []);
    expect(exportRefusal(bare, 'Router', t)).toBe(bare);
  });
});
