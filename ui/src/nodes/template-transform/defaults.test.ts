import { describe, expect, it } from 'vitest';
import { unknownVariables } from './defaults';

describe('unknownVariables', () => {
  it('finds names that are not inputs, in expressions and tags', () => {
    expect(unknownVariables('{{ name | upper }} {% if flag %}{{ other.x }}{% endif %}', ['name'])).toEqual(['other', 'flag']);
  });
  it('ignores loop and set variables and Jinja globals', () => {
    const text = '{% set n = 1 %}{% for k, v in items %}{{ loop.index }} {{ k }}={{ v }} {{ n }}{% endfor %}{{ range(3) | list }}';
    expect(unknownVariables(text, ['items'])).toEqual([]);
  });
  it('reports the iterable of a for tag', () => {
    expect(unknownVariables('{% for x in rows %}{{ x }}{% endfor %}', [])).toEqual(['rows']);
  });
});
