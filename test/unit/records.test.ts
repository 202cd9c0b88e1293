import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { checkRecord, contentHash, isRejected } from '../../exchange/ingest/records.ts';

const validate = new Ajv({ allErrors: true }).compile({
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
});
const contract = { validate, keyField: 'id' };
const now = Date.parse('2026-11-22T00:00:00Z');

describe('checkRecord', () => {
  it('accepts a good upsert and a delete', () => {
    const up = checkRecord({ op: 'upsert', key: 'k1', data: { id: 'k1', name: 'x' }, sourceTime: '2026-11-21T08:00:00+08:00' }, 0, contract, now);
    assert.ok(!isRejected(up));
    assert.equal(up.sourceTime.toISOString(), '2026-11-21T00:00:00.000Z');
    const del = checkRecord({ op: 'delete', key: 'k1', sourceTime: '2026-11-21T08:00:00Z' }, 1, contract, now);
    assert.ok(!isRejected(del));
    assert.equal(del.data, null);
  });

  it('reports every envelope and data problem at once', () => {
    const r = checkRecord({ op: 'upsert', key: '', data: { id: 'other', extra: 1 }, sourceTime: '2026-11-21', x: 1 }, 3, contract, now);
    assert.ok(isRejected(r));
    assert.deepEqual(r.errors.map((e) => e.pointer).sort(), ['/data/name', '/key', '/sourceTime', '/x']);
  });

  it('refuses a data key that differs from the record key, and times far in the future', () => {
    const r = checkRecord({ op: 'upsert', key: 'k1', data: { id: 'k2', name: 'x' }, sourceTime: '2026-11-22T01:00:00Z' }, 0, contract, now);
    assert.ok(isRejected(r));
    assert.deepEqual(r.errors.map((e) => e.message), ['lies in the future', 'must equal the record key "k1"']);
  });

  it('compares identifier keys in their canonical form', () => {
    const upper = (k: string) => k.toUpperCase();
    const r = checkRecord({ op: 'upsert', key: '11010519491231002x', data: { id: '11010519491231002x', name: 'x' }, sourceTime: '2026-11-21T08:00:00Z' }, 0, { ...contract, normalizeKey: upper }, now);
    assert.ok(!isRejected(r));
    assert.equal(r.key, '11010519491231002X');
    assert.equal(r.data!.id, '11010519491231002X');
  });

  it('hashes content independently of key order', () => {
    assert.equal(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] }), contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(contentHash({ a: 1 }), contentHash({ a: 2 }));
  });
});
