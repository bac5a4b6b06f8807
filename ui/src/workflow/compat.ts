// Type compatibility, mirroring engine/types.py is_compatible and path_type.
import type { VarType } from './types';

export function isCompatible(source: string, target: string): boolean {
  if (source === target || source === 'any' || target === 'any') return true;
  if (target === 'array') return source.startsWith('array[');
  if (source === 'integer' && target === 'number') return true;
  if (target === 'array[object]' && source === 'array[file]') return true;
  return source === 'file' && target === 'object';
}

export const FILE_FIELDS: Record<string, VarType> = {
  name: 'string', url: 'string', file_id: 'string', mime_type: 'string', size: 'integer', path: 'string',
};

export function elementType(varType: string): string {
  return varType.startsWith('array[') ? varType.slice('array['.length, -1) : 'any';
}
