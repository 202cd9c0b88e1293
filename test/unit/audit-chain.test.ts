import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../contracts/canonical.ts';
import { loadOrCreateAuditKey } from '../../exchange/audit/audit-key.ts';
import { entryHash, hashFields, UnknownHashVersion } from '../../exchange/audit/chain.ts';
import { checkpointSignatureHolds, parseCheckpoints, signCheckpoint } from '../../exchange/audit/checkpoints.ts';

/** An admin entry as 0001_foundation stored it, read back. */
const adminRow = {
  seq: 7,
  at: new Date('2024-03-01T08:00:00.123Z'),
  actor_kind: 'user',
  actor_id: 'u1',
  actor_name: 'admin',
  department_id: null,
  action: 'department.create',
  target_kind: 'department',
  target_id: 'd1',
  detail: { name: '审计局' },
  request_id: 'r1',
  prev_hash: 'a'.repeat(64),
};
/** How every entry was hashed before hash versions: the whole row without its hash. */
const before0011 = (row: Record<string, unknown>) => createHash('sha256').update(canonicalJson(row)).digest('hex');

describe('hash versions', () => {
  it('version 1 hashes exactly what brx hashed before versions, so existing chains verify', () => {
    assert.equal(entryHash('admin', { ...adminRow, hash_version: 1, hash: 'x' }), before0011(adminRow));
  });

  it('a column added to the table later is outside every version', () => {
    const stored = { ...adminRow, hash_version: 2 };
    assert.equal(entryHash('admin', { ...stored, reviewed_by: 'someone' }), entryHash('admin', stored));
    assert.equal(entryHash('admin', { ...adminRow, hash_version: 1, reviewed_by: null }), before0011(adminRow));
  });

  it('version 3 hashes the fields of version 2 by position: another hash than version 2 of the same row, and every field still counts', () => {
    assert.deepEqual(hashFields('admin', 3), hashFields('admin', 2));
    const v3 = { ...adminRow, hash_version: 3 };
    assert.notEqual(entryHash('admin', v3), entryHash('admin', { ...adminRow, hash_version: 2 }));
    assert.equal(entryHash('admin', v3), createHash('sha256').update(canonicalJson(hashFields('admin', 3)!.map((f) => (v3 as Record<string, unknown>)[f] ?? null))).digest('hex'));
    const other: Record<string, unknown> = { seq: 8, at: new Date('2024-03-01T08:00:00.124Z'), detail: { name: '审计' } };
    for (const field of hashFields('admin', 3)!.filter((f) => f !== 'hash_version')) {
      const changed = { ...v3, [field]: other[field] ?? 'other' };
      assert.notEqual(entryHash('admin', changed), entryHash('admin', v3), field);
    }
    // a row read back from PostgreSQL hashes as it was written: jsonb keys come back in another order
    assert.equal(entryHash('admin', { ...v3, detail: { b: 1, a: [2, { d: 3, c: 4 }] } }), entryHash('admin', { ...v3, detail: { a: [2, { c: 4, d: 3 }], b: 1 } }));
  });

  it('version 2 covers the version itself; an unknown version is refused', () => {
    assert.ok(hashFields('access', 2)!.includes('hash_version'));
    assert.notEqual(entryHash('admin', { ...adminRow, hash_version: 2 }), before0011(adminRow));
    assert.throws(() => entryHash('admin', { ...adminRow, hash_version: 99 }), UnknownHashVersion);
  });
});

describe('checkpoints', () => {
  it('are signed over every member; any change, or a signature in loose base64, fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-key-'));
    try {
      const key = await loadOrCreateAuditKey(path.join(dir, 'k.pem'));
      assert.equal((await loadOrCreateAuditKey(path.join(dir, 'k.pem'))).keyId, key.keyId, 'made once, then read');
      const cp = signCheckpoint({ log: 'access', seq: 12, headHash: 'b'.repeat(64), entries: 12, at: '2026-01-01T00:00:00.000Z' }, key);
      assert.equal(checkpointSignatureHolds(cp, key.publicKey), true);
      assert.equal(checkpointSignatureHolds({ ...cp, seq: 13, entries: 13 }, key.publicKey), false);
      assert.equal(checkpointSignatureHolds({ ...cp, headHash: 'c'.repeat(64) }, key.publicKey), false);
      assert.equal(checkpointSignatureHolds({ ...cp, at: '2026-01-01T00:00:01.000Z' }, key.publicKey), false);
      assert.equal(checkpointSignatureHolds({ ...cp, sig: `é${cp.sig}` }, key.publicKey), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file is read line by line; what is not a checkpoint is named by its line', () => {
    const good = { v: 1, log: 'admin', seq: 3, headHash: 'a'.repeat(64), entries: 3, at: '2026-01-01T00:00:00Z', keyId: 'f'.repeat(64), sig: 'x' };
    const text = [JSON.stringify(good), '', 'not json', JSON.stringify({ ...good, entries: 4 }), JSON.stringify({ ...good, log: 'other' })].join('\n');
    const parsed = parseCheckpoints(text);
    assert.deepEqual(parsed.checkpoints.map((c) => c.line), [1]);
    assert.deepEqual(
      parsed.malformed.map((m) => [m.line, m.reason]),
      [
        [3, 'not JSON'],
        [4, 'entries must equal seq (the chain has no gaps)'],
        [5, 'log must be admin or access'],
      ],
    );
  });
});
