import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { ManualClock } from '../../exchange/clock.ts';
import { buildDepartment, buildNode, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, enterpriseUscc, licence, sendBatch, upsert } from '../support/catalog.ts';

let t: TestApp;
let market: { id: string };
let node: Awaited<ReturnType<typeof buildNode>>;
let code: string;
let datasetId: string;
before(async () => {
  // the source times below are fixed dates in November 2026: the exchange's clock stands after them
  t = await startTestApp({ BRX_BATCH_MAX_RECORDS: '50', BRX_BATCH_MAX_BYTES: '65536' }, { clock: new ManualClock('2026-12-01T00:00:00Z') });
  market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  node = await buildNode(t, market.id);
  const dataset = await buildDataset(t, market.id);
  code = dataset.code;
  datasetId = dataset.id;
});

const events = () =>
  t.database.db.selectFrom('events').selectAll().where('dataset_id', '=', datasetId).orderBy('offset').execute();

describe('publishing a batch', () => {
  it('stores each record with its provenance and appends one event per change', async () => {
    const a = licence();
    const b = licence();
    const res = await sendBatch(t, node, code, { batchId: 'first', records: [upsert(a, '2026-11-20T08:00:00+08:00'), upsert(b)] });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.accepted, 2);
    assert.equal(body.lastOffset - body.firstOffset, 1);
    const row = await t.database.db.selectFrom('records').selectAll().where('dataset_id', '=', datasetId).where('key', '=', a.uscc).executeTakeFirstOrThrow();
    assert.deepEqual(row.data, a);
    assert.equal(row.contract_version, '1.0');
    assert.equal(row.node_id, node.node.id);
    assert.equal(row.batch_id, 'first');
    assert.equal(row.source_time.toISOString(), '2026-11-20T00:00:00.000Z');
    assert.match(row.content_hash, /^[0-9a-f]{64}$/);
    const evs = (await events()).filter((e) => e.batch_id === 'first');
    assert.deepEqual(evs.map((e) => [e.key, e.op]), [[a.uscc, 'upsert'], [b.uscc, 'upsert']]);
  });

  it('a replayed batch id returns the first answer and writes nothing twice', async () => {
    const batch = { batchId: 'replay-1', records: [upsert(licence()), upsert(licence())] };
    const first = await sendBatch(t, node, code, batch);
    const before = (await events()).length;
    const again = await sendBatch(t, node, code, batch);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().replayed, true);
    assert.deepEqual({ ...(again.json() as object), replayed: false }, first.json());
    assert.equal((await events()).length, before);
  });

  it('two copies of a batch racing each other write once', async () => {
    const batch = { batchId: 'race-1', records: Array.from({ length: 20 }, () => upsert(licence())) };
    const before = (await events()).length;
    const [x, y] = await Promise.all([sendBatch(t, node, code, batch), sendBatch(t, node, code, batch)]);
    assert.equal(x.statusCode, 200);
    assert.equal(y.statusCode, 200);
    assert.deepEqual([x.json().replayed, y.json().replayed].sort(), [false, true]);
    assert.equal((await events()).length, before + 20);
  });

  it('the same batch id with other records is refused (409)', async () => {
    await sendBatch(t, node, code, { batchId: 'reuse', records: [upsert(licence())] });
    const res = await sendBatch(t, node, code, { batchId: 'reuse', records: [upsert(licence())] });
    assert.equal(res.statusCode, 409);
  });

  it('a mixed batch accepts the good records and names every error of each bad one', async () => {
    const good = licence();
    const badCheck = enterpriseUscc().slice(0, 17) + 'Y';
    const fixedCheck = licence(badCheck.slice(0, 17) === good.uscc.slice(0, 17) ? enterpriseUscc() : undefined);
    const records = [
      upsert(good),
      { op: 'upsert', key: badCheck, data: licence(badCheck), sourceTime: t.clock.now().toISOString() },
      upsert({ uscc: fixedCheck.uscc, name: '', registeredCapital: '一百万', status: 'closed', extra: 1 }),
      { op: 'merge', key: 'x', sourceTime: 'yesterday' },
      'not a record',
      upsert({ ...licence(), uscc: enterpriseUscc() }, new Date(t.clock.now().getTime() + 3600_000).toISOString()),
    ];
    (records[5] as { key: string }).key = enterpriseUscc();
    const res = await sendBatch(t, node, code, { batchId: 'mixed', records });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.accepted, 1);
    const byIndex = Object.fromEntries(body.rejected.map((r: { index: number; errors: { pointer: string; message: string }[] }) => [r.index, r.errors]));
    assert.deepEqual(Object.keys(byIndex), ['1', '2', '3', '4', '5']);
    const wrongCheck = byIndex[1] as { pointer: string; message: string }[];
    assert.deepEqual(wrongCheck.map((e) => e.pointer), ['/data/uscc']);
    assert.match(wrongCheck[0]!.message, /check character is "Y", expected "/);
    assert.deepEqual(
      (byIndex[2] as { pointer: string; message: string }[]).map((e) => `${e.pointer} ${e.message}`).sort(),
      [
        '/data/extra is not a known field',
        '/data/name must NOT have fewer than 1 characters',
        '/data/registeredCapital must be number',
        '/data/status must be one of: active, revoked, cancelled',
      ],
    );
    assert.deepEqual((byIndex[3] as { pointer: string }[]).map((e) => e.pointer).sort(), ['/op', '/sourceTime']);
    assert.deepEqual((byIndex[4] as { pointer: string }[]).map((e) => e.pointer), ['/']);
    assert.deepEqual((byIndex[5] as { pointer: string; message: string }[]).map((e) => `${e.pointer} ${e.message}`).sort(), [
      '/data/uscc must equal the record key "' + (records[5] as { key: string }).key + '"',
      '/sourceTime lies in the future',
    ]);
    const quarantined = (await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${code}/quarantine?limit=100` })).json();
    const mine = quarantined.items.filter((q: { batchId: string }) => q.batchId === 'mixed');
    assert.equal(mine.length, 5);
    assert.deepEqual(mine.find((q: { index: number }) => q.index === 4).record, 'not a record', 'kept exactly as sent');
  });

  it("another department's node gets 403, and so does a system or a person", async () => {
    const civil = await buildDepartment(t);
    const stranger = await buildNode(t, civil.id);
    const res = await sendBatch(t, stranger, code, { batchId: 'intrude', records: [upsert(licence())] });
    assert.equal(res.statusCode, 403);
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }]);
    const person = await t.call(token, { method: 'POST', url: `/v1/datasets/${code}/batches`, payload: { batchId: 'p', records: [] } });
    assert.equal(person.statusCode, 403);
  });

  it('a missing or wrong signature gives 401 and writes nothing', async () => {
    const before = (await events()).length;
    const missing = await sendBatch(t, node, code, { batchId: 'unsigned', records: [upsert(licence())] }, { signature: null });
    assert.equal(missing.statusCode, 401);
    const forged = await sendBatch(t, node, code, { batchId: 'forged', records: [upsert(licence())] }, { signature: Buffer.alloc(64, 7).toString('base64') });
    assert.equal(forged.statusCode, 401);
    const otherDataset = await buildDataset(t, market.id);
    const wrongTarget = await sendBatch(t, node, code, { batchId: 'elsewhere', records: [upsert(licence())] }, { signFor: otherDataset.code });
    assert.equal(wrongTarget.statusCode, 401);
    assert.equal((await events()).length, before);
    const batches = await t.database.db.selectFrom('batches').select('batch_id').where('batch_id', 'in', ['unsigned', 'forged', 'elsewhere']).execute();
    assert.equal(batches.length, 0);
  });

  it('an oversized batch gets 413 problem+json', async () => {
    const tooMany = await sendBatch(t, node, code, { batchId: 'big', records: Array.from({ length: 51 }, () => upsert(licence())) });
    assert.equal(tooMany.statusCode, 413);
    assert.equal(tooMany.json().code, 'BRX_ERR_PAYLOAD_TOO_LARGE');
    const tooLarge = await sendBatch(t, node, code, { batchId: 'huge', records: [upsert(licence(undefined, { name: 'x'.repeat(70_000) }))] });
    assert.equal(tooLarge.statusCode, 413);
    assert.match(tooLarge.headers['content-type'] as string, /problem\+json/);
  });

  it('an update older than the stored one is reported stale and not applied', async () => {
    const a = licence();
    await sendBatch(t, node, code, { batchId: 'fresh', records: [upsert({ ...a, status: 'revoked' }, '2026-11-21T10:00:00Z')] });
    const res = await sendBatch(t, node, code, { batchId: 'late-arrival', records: [upsert(a, '2026-11-21T09:00:00Z')] });
    const body = res.json();
    assert.equal(body.accepted, 0);
    assert.deepEqual(body.stale.map((s: { index: number; storedSourceTime: string }) => [s.index, s.storedSourceTime]), [[0, '2026-11-21T10:00:00.000Z']]);
    const row = await t.database.db.selectFrom('records').select('data').where('key', '=', a.uscc).executeTakeFirstOrThrow();
    assert.equal((row.data as { status: string }).status, 'revoked');
  });

  it('an identical record is unchanged and makes no event', async () => {
    const a = licence();
    await sendBatch(t, node, code, { batchId: 'same-1', records: [upsert(a, '2026-11-21T10:00:00Z')] });
    const before = (await events()).length;
    const res = await sendBatch(t, node, code, { batchId: 'same-2', records: [upsert(a, '2026-11-21T11:00:00Z')] });
    assert.deepEqual([res.json().accepted, res.json().unchanged], [0, 1]);
    assert.equal((await events()).length, before);
  });

  it('a delete leaves a tombstone and a delete event', async () => {
    const a = licence();
    await sendBatch(t, node, code, { batchId: 'to-delete', records: [upsert(a, '2026-11-21T10:00:00Z')] });
    const res = await sendBatch(t, node, code, { batchId: 'delete', records: [{ op: 'delete', key: a.uscc, sourceTime: '2026-11-21T12:00:00Z' }] });
    assert.equal(res.json().accepted, 1);
    const row = await t.database.db.selectFrom('records').selectAll().where('key', '=', a.uscc).executeTakeFirstOrThrow();
    assert.equal(row.deleted, true);
    assert.equal(row.data, null);
    const last = (await events()).at(-1)!;
    assert.deepEqual([last.key, last.op, last.data], [a.uscc, 'delete', null]);
    const resurrect = await sendBatch(t, node, code, { batchId: 'older-upsert', records: [upsert(a, '2026-11-21T11:00:00Z')] });
    assert.equal(resurrect.json().stale.length, 1, 'an upsert older than the delete does not bring the record back');
  });
});

describe('quarantine', () => {
  it('a person of the provider corrects a rejected record and resubmits it; a node resend settles another', async () => {
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }]);
    const a = licence();
    const b = licence();
    const res = await sendBatch(t, node, code, { batchId: 'q-1', records: [upsert({ ...a, status: 'unknown' }), upsert({ ...b, registeredCapital: -1 })] });
    const [qa, qb] = res.json().rejected.map((r: { quarantineId: string }) => r.quarantineId);
    const corrected = await t.call(token, {
      method: 'POST',
      url: `/v1/datasets/${code}/quarantine/${qa}/resubmit`,
      payload: { record: upsert(a) },
    });
    assert.equal(corrected.statusCode, 200, corrected.body);
    assert.equal(corrected.json().accepted, 1);
    await sendBatch(t, node, code, { batchId: 'q-2', records: [upsert(b)] });
    const open = (await t.call(token, { method: 'GET', url: `/v1/datasets/${code}/quarantine?key=${a.uscc}` })).json().items;
    assert.equal(open.length, 0);
    const resolved = (await t.call(token, { method: 'GET', url: `/v1/datasets/${code}/quarantine?status=resolved&limit=500` })).json().items;
    const ids = resolved.map((q: { id: string }) => q.id);
    assert.ok(ids.includes(qa) && ids.includes(qb));
    assert.match(resolved.find((q: { id: string }) => q.id === qb).resolution, /superseded by batch q-2/);
  });

  it('a resubmission is checked again, and a discard keeps the reason', async () => {
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }]);
    const a = licence();
    const res = await sendBatch(t, node, code, { batchId: 'q-3', records: [upsert({ ...a, status: 'unknown' })] });
    const id = res.json().rejected[0].quarantineId;
    const stillBad = await t.call(token, { method: 'POST', url: `/v1/datasets/${code}/quarantine/${id}/resubmit`, payload: { record: upsert({ ...a, status: 'nope' }) } });
    assert.equal(stillBad.json().rejected.length, 1);
    const discarded = await t.call(token, { method: 'POST', url: `/v1/datasets/${code}/quarantine/${id}/discard`, payload: { reason: '企业已注销，记录作废' } });
    assert.equal(discarded.json().status, 'discarded');
    assert.equal(discarded.json().resolution, '企业已注销，记录作废');
    const other = (await buildUser(t, [{ role: 'dept_admin', departmentId: (await buildDepartment(t)).id }])).token;
    const denied = await t.call(other, { method: 'GET', url: `/v1/datasets/${code}/quarantine` });
    assert.equal(denied.statusCode, 403);
    // another department cannot tell a quarantined record that exists from one that does not
    const discard = (qid: string) => t.call(other, { method: 'POST', url: `/v1/datasets/${code}/quarantine/${qid}/discard`, payload: { reason: '试探' } });
    const [existing, unknown] = [await discard(id), await discard('00000000-0000-4000-8000-000000000000')];
    assert.deepEqual([existing.statusCode, unknown.statusCode], [404, 404]);
    assert.equal(existing.json().detail.replace(id, '…'), unknown.json().detail.replace('00000000-0000-4000-8000-000000000000', '…'));
  });
});

describe('batch history', () => {
  it('lists batches with node, counts and signature, and re-verifies a stored signature', async () => {
    await sendBatch(t, node, code, { batchId: 'history-1', records: [upsert(licence())] });
    const list = (await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${code}/batches?limit=500` })).json();
    const entry = list.items.find((b: { batchId: string }) => b.batchId === 'history-1');
    assert.equal(entry.nodeId, node.node.id);
    assert.equal(entry.accepted, 1);
    assert.match(entry.signature, /^[A-Za-z0-9+/]+=*$/);
    const verify = await t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${code}/batches/history-1/verify` });
    assert.deepEqual([verify.json().signatureValid, verify.json().bodyMatches], [true, true]);

    await sql`update batch_payloads set body_gzip = ${gzipSync('{"batchId":"history-1","records":[]}')}
              where batch_row_id = (select id from batches where batch_id = 'history-1')`.execute(t.database.db);
    const tampered = await t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${code}/batches/history-1/verify` });
    assert.deepEqual([tampered.json().signatureValid, tampered.json().bodyMatches], [false, false]);
  });

  it('gives a node the answer to one batch again, by its id (a node that lost the answer learns it arrived)', async () => {
    const sent = await sendBatch(t, node, code, { batchId: 'answer-again', records: [upsert(licence()), { op: 'upsert', key: 'x', data: {}, sourceTime: t.clock.now().toISOString() }] });
    assert.equal(sent.statusCode, 200);
    const again = await t.call(node.apiKey, { method: 'GET', url: `/v1/datasets/${code}/batches/answer-again` });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual({ ...(again.json() as object), replayed: false }, sent.json());
    assert.equal(again.json().replayed, true);
    assert.equal((await t.call(node.apiKey, { method: 'GET', url: `/v1/datasets/${code}/batches/never-sent` })).statusCode, 404);
  });
});
