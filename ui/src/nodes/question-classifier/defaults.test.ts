import { describe, expect, it } from 'vitest';
import { addClass, bracketIndexes, classProblems, classifierDefaults, classifierHandles } from './defaults';

describe('question classifier', () => {
  it('has a handle per class, then else', () => {
    expect(classifierHandles(classifierDefaults())).toEqual(['class1', 'class2', 'else']);
  });

  it('adds classes with fresh ids', () => {
    const classes = addClass([{ id: 'class2', name: 'a' }]);
    expect(classes[1].id).toBe('class2_2');
    expect(addClass(classes)[2].id).toBe('class3');
  });

  it('marks empty names, duplicates and reserved ids', () => {
    expect(classProblems([
      { id: 'a', name: '咨询' }, { id: 'b', name: '咨询 ' }, { id: 'a', name: 'x' }, { id: 'else', name: 'y' },
      { id: 'c', name: '' }, { id: 'bad id', name: 'z' },
    ])).toEqual({
      1: "duplicate class name '咨询'", 2: "duplicate class id 'a'", 3: "id 'else' is reserved",
      4: 'give the class a name', 5: 'id: letters, digits, _ and - only',
    });
    expect(classProblems(classifierDefaults().classes)).toEqual({});
  });
});

describe('bracketIndexes', () => {
  it('turns dotted list indexes into brackets', () => {
    expect(bracketIndexes([{ field: 'config.classes.2.id' }, { field: 'config.classes[1].name' }, { field: 'config.parameters.0' }]))
      .toEqual([{ field: 'config.classes[2].id' }, { field: 'config.classes[1].name' }, { field: 'config.parameters[0]' }]);
  });
});
