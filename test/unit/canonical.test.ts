import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../contracts/canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: undefined } }), '{"a":{"d":[3,{"x":2,"y":1}]},"b":1}');
  });

  it('sorts by UTF-16 code units, as RFC 8785 does', () => {
    assert.equal(canonicalJson({ 名: 1, a: 2, Z: 3 }), '{"Z":3,"a":2,"名":1}');
  });

  it('writes dates as ISO strings and refuses what JSON cannot hold', () => {
    assert.equal(canonicalJson({ at: new Date('2026-11-22T01:02:03.004Z') }), '{"at":"2026-11-22T01:02:03.004Z"}');
    assert.throws(() => canonicalJson({ n: Number.NaN }), /NaN/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /function/);
  });

  it('gives the same text for the same value however it was built', () => {
    const a = JSON.parse('{"x":1,"y":{"b":"二","a":null}}');
    const b = { y: { a: null, b: '二' }, x: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
  });
});
