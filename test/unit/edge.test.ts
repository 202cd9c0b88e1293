import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storable, unsafeText, unsafeValues } from '../../exchange/http/edge.ts';
import { decodeCursor, encodeCursor } from '../../exchange/http/page-cursor.ts';
import { signatureBytes } from '../../exchange/ingest/signature.ts';

describe('the edge check', () => {
  it('refuses NUL and unpaired surrogates, and keeps paired ones (emoji, rare CJK)', () => {
    assert.equal(unsafeText('新余😀𠀀'), null);
    assert.match(unsafeText('a\u0000')!, /NUL/);
    assert.match(unsafeText('\ud800x')!, /\\ud800/);
    assert.match(unsafeText('x\udc00')!, /\\udc00/);
    assert.match(unsafeText('\udc00\ud800')!, /unpaired/);
  });

  it('walks keys, values and numbers at any depth without recursion, and stops at the depth limit', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.deepEqual(unsafeValues({ a: deep }).map((e) => e.message), ['nests deeper than 64 levels']);
    assert.deepEqual(unsafeValues({ a: [{ 'b\u0000': 1 }], c: Number.POSITIVE_INFINITY }), [
      { pointer: '/a/0/b\\u0000', message: 'field name contains a NUL character (\\u0000)' },
      { pointer: '/c', message: 'is a number beyond the range of a double' },
    ]);
    assert.deepEqual(unsafeValues({ records: ['\u0000'], x: 'ok' }, { skip: (p) => p.startsWith('/records/') }), []);
  });

  it('makes a storable copy that says what it changed', () => {
    assert.deepEqual(storable({ 'k\u0000': ['\ud800', Number.NaN, '😀'] }), { 'k\\u0000': ['\\ud800', null, '😀'] });
    assert.match(JSON.stringify(storable(JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`))), /deeper than 64 levels: not kept/);
  });
});

describe('page cursors', () => {
  it('decode what was encoded, typed by the route', () => {
    const id = '0b7d4c62-1c55-4d6a-9a4e-0b2f1b7b7c11';
    assert.deepEqual(decodeCursor(encodeCursor([id]), ['uuid']), [id]);
    assert.deepEqual(decodeCursor(encodeCursor(['2026-01-01T00:00:00.000Z', 'SQ2026']), ['time', 'text']), ['2026-01-01T00:00:00.000Z', 'SQ2026']);
    assert.equal(decodeCursor(undefined, ['int']), undefined);
  });

  it('refuse anything else with a 400 naming cursor', () => {
    for (const [cursor, shape] of [
      [encodeCursor(['x']), ['uuid']],
      [encodeCursor([1.5]), ['int']],
      [encodeCursor([2 ** 60]), ['int']],
      [encodeCursor(['0000-01-01T00:00:00Z']), ['time']],
      [encodeCursor(['a\u0000']), ['text']],
      [encodeCursor([1, 2]), ['int']],
      ['not json', ['text']],
      ['eyJ4IjoxfQ', ['text']],
    ] as const) {
      assert.throws(
        () => decodeCursor(cursor, shape as unknown as ['text']),
        (e: Error & { code?: string; errors?: { pointer: string }[] }) => e.code === 'BRX_ERR_VALIDATION' && e.errors?.[0]?.pointer === '/cursor',
        cursor,
      );
    }
  });
});

describe('batch signature header', () => {
  it('is canonical padded base64 of 64 bytes', () => {
    const sig = Buffer.alloc(64, 7).toString('base64');
    assert.ok(signatureBytes(sig));
    for (const bad of [`é${sig}`, ` ${sig}`, sig.replace(/==$/, ''), `${sig.slice(0, 85)}B==`, Buffer.alloc(63).toString('base64'), `${sig.slice(0, 10)}-${sig.slice(11)}`]) {
      assert.equal(signatureBytes(bad), null, bad);
    }
  });
});
