import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compatibilityBreaks } from '../../exchange/catalog/compatibility.ts';

const base = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[0-9]{18}$' },
    name: { type: 'string', maxLength: 50 },
    kind: { type: 'string', enum: ['a', 'b'] },
    count: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string', maxLength: 10 } },
  },
};
type Schema = { type: string; required: string[]; additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
const clone = () => structuredClone(base) as unknown as Schema;
const messages = (n: unknown) => compatibilityBreaks(base, n).map((b) => `${b.pointer} ${b.message}`);

describe('contract compatibility', () => {
  it('accepts what loosens: optional fields, wider enums and types, looser bounds, fewer keywords', () => {
    const n = clone();
    n.properties.email = { type: 'string', format: 'email' };
    n.properties.kind!.enum = ['a', 'b', 'c'];
    n.properties.count!.type = 'number';
    n.properties.name!.maxLength = 100;
    delete n.properties.id!.pattern;
    n.properties.tags!.items = { type: 'string' };
    n.properties.name!.description = '名称';
    assert.deepEqual(messages(n), []);
  });

  it('names each break', () => {
    const n = clone();
    delete n.properties.name;
    n.required.push('kind');
    n.properties.kind!.enum = ['a'];
    n.properties.count!.minimum = 1;
    n.properties.count!.type = 'string';
    n.properties.id!.pattern = '^[0-9]{17}[0-9X]$';
    n.properties.tags!.items = { type: 'string', maxLength: 5 };
    n.properties.tags!.maxItems = 3;
    assert.deepEqual(messages(n).sort(), [
      '/properties/count/minimum raised from 0 to 1',
      '/properties/count/type no longer accepts integer',
      '/properties/id/pattern now must match ^[0-9]{17}[0-9X]$',
      '/properties/kind/enum no longer allows "b"',
      '/properties/name field "name" was removed',
      '/properties/tags/items/maxLength lowered from 10 to 5',
      '/properties/tags/maxItems lowered from none to 3',
      '/required field "kind" became required',
    ]);
  });

  it('refusing unknown fields, adding a format, or an unfamiliar keyword change is a break', () => {
    const open = { type: 'object', properties: { a: { type: 'string' } } };
    assert.deepEqual(compatibilityBreaks(open, { ...open, additionalProperties: false }).map((b) => b.pointer), ['/additionalProperties']);
    assert.deepEqual(
      compatibilityBreaks(open, { type: 'object', properties: { a: { type: 'string', format: 'cn-uscc' } } }).map((b) => b.message),
      ['now must be a cn-uscc'],
    );
    assert.deepEqual(
      compatibilityBreaks(open, { type: 'object', properties: { a: { type: 'string', not: { const: '' } } } }).map((b) => b.pointer),
      ['/properties/a/not'],
    );
  });
});
