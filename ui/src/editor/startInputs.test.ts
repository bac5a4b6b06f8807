import { describe, expect, it } from 'vitest';
import { chatFormVariables, formProblems, initialValues, inputKind, inputsToSend, parseTyped } from './startInputs';
import type { StartVariable } from '../nodes/start/defaults';

const v = (name: string, type: StartVariable['type'], extra: Partial<StartVariable> = {}): StartVariable => ({ name, type, required: true, ...extra });

describe('inputKind', () => {
  it('gives every start type its control', () => {
    expect([
      v('a', 'string', { max_length: 48 }), v('b', 'string'), v('c', 'number'), v('d', 'integer'), v('e', 'string', { options: ['x', 'y'] }),
      v('f', 'boolean'), v('g', 'file'), v('h', 'array[file]'), v('i', 'object'), v('j', 'array[string]'), v('k', 'any'),
    ].map(inputKind)).toEqual(['text', 'paragraph', 'number', 'integer', 'select', 'checkbox', 'file', 'files', 'json', 'json', 'json']);
  });
});

describe('parseTyped', () => {
  it('reads numbers, whole numbers and JSON of the declared shape', () => {
    expect(parseTyped(v('n', 'number'), '2.5')).toEqual({ value: 2.5 });
    expect(parseTyped(v('n', 'integer'), '2.5')).toEqual({ problem: { code: 'notWhole' } });
    expect(parseTyped(v('n', 'number'), 'many')).toEqual({ problem: { code: 'notNumber' } });
    expect(parseTyped(v('o', 'object'), '{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseTyped(v('o', 'object'), '[1]')).toEqual({ problem: { code: 'wrongShape', want: 'object' } });
    expect(parseTyped(v('l', 'array[number]'), '{"a": 1}')).toEqual({ problem: { code: 'wrongShape', want: 'list' } });
    expect(parseTyped(v('o', 'any'), '{"a": ')).toMatchObject({ problem: { code: 'notJson' } });
    expect(parseTyped(v('o', 'object'), '  ')).toEqual({ value: undefined });
  });
});

describe('formProblems', () => {
  it('stops a form with a required field empty, text over its length or typed text that does not parse', () => {
    const vars = [v('q', 'string', { max_length: 5 }), v('opt', 'string', { required: false }), v('ok', 'boolean'), v('n', 'integer'), v('files', 'array[file]')];
    expect(formProblems(vars, { q: 'too long', files: [] }, { n: { problem: { code: 'notWhole' } } })).toEqual({
      q: { code: 'tooLong', max: 5 }, n: { code: 'notWhole' }, files: { code: 'required' },
    });
    expect(formProblems(vars, { q: 'hi', n: 3, files: [{ name: 'a.txt' }] }, {})).toEqual({});
  });
});

describe('initialValues and inputsToSend', () => {
  it('starts from defaults and sends only what is filled', () => {
    expect(initialValues([v('a', 'string', { default: 'x' }), v('b', 'boolean'), v('c', 'number')])).toEqual({ a: 'x', b: false });
    expect(inputsToSend({ a: 'x', b: false, c: undefined, d: '' })).toEqual({ a: 'x', b: false });
  });
});

describe('chatFormVariables', () => {
  it('leaves out query, which the chat message fills', () => {
    expect(chatFormVariables([v('query', 'string'), v('topic', 'string')]).map((x) => x.name)).toEqual(['topic']);
  });
});
