import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../exchange/clock.ts';
import { ingestBatch } from '../../exchange/ingest/ingest.ts';
import { findDataset } from '../../exchange/catalog/store.ts';
import { buildDepartment, buildNode, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, signBatch, upsert } from '../support/catalog.ts';

let t: TestApp;
let market: { id: string };
let node: Awaited<ReturnType<typeof buildNode>>;
let code: string;
let datasetId: string;
before(async () => {
  t = await startTestApp({}, { clock: new ManualClock('2026-12-01T00:00:00Z') });
  market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  node = await buildNode(t, market.id);
  const dataset = await buildDataset(t, market.id);
  code = dataset.code;
  datasetId = dataset.id;
});

const at = '2026-11-30T08:00:00Z';
const sendText = (body: string) =>
  t.call(node.apiKey, {
    method: 'POST',
    url: `/v1/datasets/${code}/batches`,
    headers: { 'content-type': 'application/json', 'x-brx-signature': signBatch(node.privateKey, code, body) },
    payload: body,
  });
const openItems = (key: string) =>
  t.database.db.selectFrom('quarantine').selectAll().where('dataset_id', '=', datasetId).where('key', '=', key).where('status', '=', 'open').execute();

describe('a batch with records no store can keep', () => {
  it('rejects each such record on its own, with a pointer, keeps a safe copy in quarantine, and applies the rest', async () => {
    const good = licence();
    const records = [
      upsert(licence(undefined, { name: 'a\u0000b' }), at),
      upsert({ ...licence(), ['bad\u0000field']: 1 } as ReturnType<typeof licence>, at),
      { op: 'upsert', key: 'k\ud800', data: licence(), sourceTime: at },
      upsert({ ...licence(), nested: '@@deep@@' } as ReturnType<typeof licence>, at),
      upsert(good, at),
      upsert(licence(), '0000-01-01T00:00:00Z'),
    ];
    // JSON.stringify itself overflows on 5,000 levels: the deep value is spliced into the text
    const text = JSON.stringify({ batchId: 'unstorable-1', records }).replace('"@@deep@@"', `${'['.repeat(5000)}${']'.repeat(5000)}`);
    const res = await sendText(text);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.accepted, 1);
    const rejected = Object.fromEntries(body.rejected.map((r: { index: number; errors: { pointer: string; message: string }[] }) => [r.index, r.errors]));
    assert.deepEqual(Object.keys(rejected).map(Number), [0, 1, 2, 3, 5]);
    assert.deepEqual(rejected[0][0], { pointer: '/data/name', message: 'contains a NUL character (\\u0000)' });
    assert.equal(rejected[1][0].pointer, '/data/bad\\u0000field');
    assert.match(rejected[1][0].message, /field name contains a NUL/);
    assert.deepEqual(rejected[2][0], { pointer: '/key', message: 'contains an unpaired surrogate (\\ud800)' });
    assert.match(rejected[3][0].message, /nests deeper than 64 levels/);
    assert.equal(rejected[5][0].pointer, '/sourceTime');
    const stored = await t.database.db.selectFrom('records').select('key').where('dataset_id', '=', datasetId).where('batch_id', '=', 'unstorable-1').execute();
    assert.deepEqual(stored.map((r) => r.key), [good.uscc]);
    const kept = await t.database.db.selectFrom('quarantine').selectAll().where('batch_id', '=', 'unstorable-1').orderBy('record_index').execute();
    assert.equal(kept.length, 5);
    assert.equal((kept[0]!.record as { data: { name: string } }).data.name, 'a\\u0000b');
    assert.ok('bad\\u0000field' in (kept[1]!.record as { data: object }).data);
    assert.equal(kept[2]!.key, null);
    assert.match(JSON.stringify(kept[3]!.record), /nested deeper than 64 levels: not kept/);
    assert.match(JSON.stringify(kept[0]!.errors), /kept here with unstorable characters spelled as/);
  });

  it('a request body nested 5,000 deep outside the records is a 400 naming the depth', async () => {
    const body = `{"batchId":"deep-1","records":[],"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await sendText(body);
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    assert.match(res.json().errors[0].message, /deeper than 64/);
  });

  it('a batch whose records is the string "none" is a 400, not a one-record list', async () => {
    const res = await sendBatch(t, node, code, { batchId: 'coerced-1', records: 'none' as unknown as unknown[] });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(res.json().errors[0], { in: 'body', pointer: '/records', message: 'must be array' });
    const batch = await t.database.db.selectFrom('batches').select('id').where('batch_id', '=', 'coerced-1').executeTakeFirst();
    assert.equal(batch, undefined);
  });
});

describe('the batch signature header', () => {
  it('is canonical padded base64 of 64 bytes and nothing else', async () => {
    const batch = { batchId: 'sig-1', records: [upsert(licence(), at)] };
    const good = signBatch(node.privateKey, code, JSON.stringify(batch));
    for (const forged of [`é${good}`, `${good} `, good.replace(/=+$/, ''), `${good.slice(0, 84)}${String.fromCharCode(good.charCodeAt(84) + 1)}${good.slice(85)}`, `${good.slice(0, 10)}!${good.slice(10)}`]) {
      const res = await sendBatch(t, node, code, batch, { signature: forged });
      assert.equal(res.statusCode, 401, `${JSON.stringify(forged)}: ${res.body}`);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    }
    assert.equal((await sendBatch(t, node, code, batch, { signature: good })).statusCode, 200);
  });
});

describe('replays', () => {
  it('an unsigned batch replayed with the same id and a different body is a conflict, as a signed one is', async () => {
    const dataset = (await findDataset(t.database.db, code))!;
    const submit = (records: unknown[]) =>
      ingestBatch(t.database.db, t.app.events, { dataset, batchId: 'unsigned-1', records, submitter: { nodeId: node.node.id }, departmentId: market.id, now: t.clock.now() });
    const records = [upsert(licence(), at)];
    const first = await submit(records);
    assert.equal(first.accepted, 1);
    assert.equal((await submit(records)).replayed, true, 'the same body is a replay');
    await assert.rejects(submit([upsert(licence(), at)]), (e: Error & { code?: string }) => e.code === 'BRX_ERR_CONFLICT');
  });
});

describe('quarantine keeps one open item per key', () => {
  it('a resubmission that is still bad updates its item, and a node resend of a bad key too', async () => {
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }]);
    const a = licence();
    const first = await sendBatch(t, node, code, { batchId: 'q-one-1', records: [upsert({ ...a, status: 'unknown' }, at)] });
    const id = first.json().rejected[0].quarantineId;
    const again = await t.call(token, { method: 'POST', url: `/v1/datasets/${code}/quarantine/${id}/resubmit`, payload: { record: upsert({ ...a, status: 'nope' }, at) } });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().rejected[0].quarantineId, id);
    let open = await openItems(a.uscc);
    assert.deepEqual(open.map((q) => q.id), [id]);
    assert.equal((open[0]!.record as { data: { status: string } }).data.status, 'nope');
    const resend = await sendBatch(t, node, code, { batchId: 'q-one-2', records: [upsert({ ...a, status: 'still' }, at), upsert({ ...a, status: 'twice' }, at)] });
    assert.deepEqual(resend.json().rejected.map((r: { quarantineId: string }) => r.quarantineId), [id, id]);
    open = await openItems(a.uscc);
    assert.deepEqual(open.map((q) => [q.id, q.batch_id, (q.record as { data: { status: string } }).data.status]), [[id, 'q-one-2', 'twice']]);
    const fresh = licence();
    const two = await sendBatch(t, node, code, { batchId: 'q-one-3', records: [upsert({ ...fresh, status: 'x' }, at), upsert({ ...fresh, status: 'y' }, at)] });
    const [q1, q2] = two.json().rejected.map((r: { quarantineId: string }) => r.quarantineId);
    assert.equal(q1, q2, 'two bad records of one key in one batch open one item');
    assert.equal((await openItems(fresh.uscc)).length, 1);
  });

  it('pages through a batch of rejects sharing one time, each item once', async () => {
    const records = Array.from({ length: 5 }, () => upsert({ ...licence(), status: 'bad' }, at));
    await sendBatch(t, node, code, { batchId: 'q-page-1', records });
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const res = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${code}/quarantine?limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().items.filter((q: { batchId: string }) => q.batchId === 'q-page-1').map((q: { id: string }) => q.id));
      cursor = res.json().nextCursor;
      if (!cursor) break;
    }
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
  });
});
