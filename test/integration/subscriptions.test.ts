import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import type { EventBatch, NodeCreated, SystemCreated } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { verifyWebhook } from '../../exchange/delivery/webhook.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { until } from '../support/database.ts';
import { loopbackReceivers } from '../support/receiver.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';
import { grant } from '../support/registries.ts';

let t: TestApp;
let node: NodeCreated & { privateKey: KeyObject };
let consumerDepartment: string;
let providerDepartment: string;
const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));
let batchNo = 0;

/** A fresh dataset (so offsets start at 0) seeded with the given records. */
async function dataset(records: ReturnType<typeof licence>[] = []) {
  const d = await buildDataset(t, providerDepartment);
  if (records.length) await publish(d.code, records.map((r) => upsert(r)));
  return d;
}

async function publish(code: string, records: unknown[]) {
  batchNo += 1;
  const res = await sendBatch(t, node, code, { batchId: `b${batchNo}`, records });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function subscriber(datasetId: string, g: Record<string, unknown> = {}): Promise<SystemCreated> {
  const s = await buildSystem(t, consumerDepartment);
  await grant(t, s.system.id, datasetId, { fields: ['uscc', 'name', 'legalRepresentative', 'status'], masked_fields: ['legalRepresentative'], modes: ['subscribe'], purpose: '监管事项联动', ...g });
  return s;
}

async function subscribe(s: SystemCreated, body: Record<string, unknown>) {
  const res = await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string };
}

const poll = async (s: SystemCreated, id: string, query = 'limit=100'): Promise<EventBatch> => {
  const res = await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${id}/events?${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
const ack = (s: SystemCreated, id: string, next: object) => t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${id}/ack`, payload: next });
const status = async (s: SystemCreated, id: string) => (await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${id}` })).json();

before(async () => {
  t = await startTestApp({ ...loopbackReceivers }, { clock });
  const market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  providerDepartment = market.id;
  consumerDepartment = (await buildDepartment(t, { name: '新余市税务局' })).id;
  node = await buildNode(t, market.id);
});

describe('a pull subscription', () => {
  it('from the beginning delivers a snapshot, its marker, then the changes, each until acknowledged', async () => {
    const firms = [licence(), licence(), licence()];
    const d = await dataset(firms);
    // a snapshot copies the dataset: the grant carries the bulk (file) mode
    const s = await subscriber(d.id, { modes: ['subscribe', 'file'] });
    const sub = await subscribe(s, { dataset: d.code, delivery: 'pull', start: 'beginning' });

    const first = await poll(s, sub.id, 'limit=2');
    assert.deepEqual(first.events.map((e) => e.type), ['snapshot', 'snapshot']);
    assert.equal(first.events[0]!.data!.legalRepresentative, '张*', 'masked as granted');
    assert.equal(first.events[0]!.data!.registeredCapital, undefined, 'not granted, not sent');
    assert.ok(first.next.cursor, 'during the snapshot the position is a cursor');
    assert.deepEqual((await poll(s, sub.id, 'limit=2')).events.map((e) => e.key), first.events.map((e) => e.key), 'unacknowledged: delivered again');
    assert.equal((await ack(s, sub.id, first.next)).statusCode, 200);

    const second = await poll(s, sub.id, 'limit=2');
    assert.deepEqual(second.events.map((e) => e.type), ['snapshot', 'marker']);
    assert.deepEqual([...first.events, second.events[0]!].map((e) => e.key).sort(), firms.map((f) => f.uscc).sort(), 'every current record once');
    assert.deepEqual(second.next, { offset: 3 });
    assert.equal((await status(s, sub.id)).position.inSnapshot, true);
    assert.equal((await ack(s, sub.id, second.next)).json().position.inSnapshot, false);

    await publish(d.code, [upsert({ ...firms[0]!, status: 'revoked' }), { op: 'delete', key: firms[1]!.uscc, sourceTime: clock.now().toISOString() }]);
    const lagging = await status(s, sub.id);
    assert.equal(lagging.lag.events, 2);
    const changes = await poll(s, sub.id);
    assert.deepEqual(changes.events.map((e) => [e.type, e.offset, e.op, e.key]), [
      ['change', 4, 'upsert', firms[0]!.uscc],
      ['change', 5, 'delete', firms[1]!.uscc],
    ]);
    const [change, tombstone] = changes.events;
    assert.equal(change!.data!.status, 'revoked');
    assert.equal(change!.contractVersion, '1.0');
    assert.ok(change!.sourceTime && change!.committedAt);
    assert.equal(change!.dispute, null);
    assert.equal(tombstone!.data, null, 'a delete is a tombstone');
    assert.equal((await ack(s, sub.id, changes.next)).json().lag.events, 0);
    assert.equal((await ack(s, sub.id, { offset: 99 })).statusCode, 409, 'cannot acknowledge beyond the last event');
    assert.equal((await ack(s, sub.id, { offset: 2 })).json().position.offset, 5, 'an old ack changes nothing');

    const audited = await t.database.db.selectFrom('audit_access').select(['mode', 'record_count']).where('system_id', '=', s.system.id).where('mode', '=', 'subscribe').execute();
    assert.ok(audited.length >= 4 && audited.every((a) => a.record_count > 0), 'every delivered batch is in the access log');
  });

  it('long-polls: an event committed while the consumer waits is returned at once', async () => {
    const d = await dataset();
    const s = await subscriber(d.id);
    const sub = await subscribe(s, { dataset: d.code, delivery: 'pull' });
    const started = Date.now();
    const waiting = poll(s, sub.id, 'wait=20');
    await until(() => t.app.events.waiting > 0); // the consumer is waiting now
    await publish(d.code, [upsert(licence())]);
    const batch = await waiting;
    assert.equal(batch.events.length, 1);
    assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`);
    const empty = Date.now();
    assert.deepEqual((await poll(s, sub.id, 'wait=1')).events.length, 1, 'not acknowledged: the same event again, without waiting');
    assert.ok(Date.now() - empty < 900);
    await ack(s, sub.id, batch.next);
    const none = await poll(s, sub.id, 'wait=1');
    assert.deepEqual(none, { subscription: sub.id, events: [], next: batch.next }, 'nothing new within the wait');
  });

  it('keeps to the grant’s rows: changes and deletions of other rows are skipped, yet the position moves past them', async () => {
    const inside = licence();
    const outside = licence();
    const d = await dataset();
    const s = await subscriber(d.id, { row_filter: { field: 'uscc', in: [inside.uscc] } });
    const sub = await subscribe(s, { dataset: d.code, delivery: 'pull', start: 'offset', offset: 0 });
    await publish(d.code, [upsert(outside), upsert(inside)]);
    await publish(d.code, [{ op: 'delete', key: outside.uscc, sourceTime: clock.now().toISOString() }, { op: 'delete', key: inside.uscc, sourceTime: clock.now().toISOString() }]);
    const batch = await poll(s, sub.id);
    assert.deepEqual(batch.events.map((e) => [e.op, e.key]), [['upsert', inside.uscc], ['delete', inside.uscc]]);
    assert.deepEqual(batch.next, { offset: 4 });
  });

  it('needs a grant with the subscribe mode, and a webhook needs its url and secret', async () => {
    const d = await dataset();
    const pullOnly = await subscriber(d.id, { modes: ['pull'] });
    const refused = await t.call(pullOnly.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'pull' } });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /subscribe mode/);
    const s = await subscriber(d.id);
    const missing = await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'webhook' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors.map((e: { pointer: string }) => e.pointer), ['/url', '/secret']);
    const other = await subscriber(d.id);
    const sub = await subscribe(s, { dataset: d.code, delivery: 'pull' });
    assert.equal((await t.call(other.apiKey, { method: 'GET', url: `/v1/subscriptions/${sub.id}` })).statusCode, 404, 'another system’s subscription is not there');
  });
});

describe('a webhook subscription', () => {
  it('signs its batches, retries with backoff while the receiver fails, turns failing after a day, and recovers with nothing lost', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let failing = true;
    let attempts = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        attempts += 1;
        if (failing) return void res.writeHead(503).end();
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onFileEnd(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const secret = 'subscription-secret-0123';
    const d = await dataset();
    const s = await subscriber(d.id);
    const sub = await subscribe(s, { dataset: d.code, delivery: 'webhook', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret });
    const sent = [licence(), licence(), licence()];
    await publish(d.code, [upsert(sent[0]!)]);

    assert.equal(await deliverWebhooks(t.app), 0);
    let view = await status(s, sub.id);
    assert.equal(view.attempts, 1);
    assert.match(view.lastError, /503/);
    const delay = Date.parse(view.nextAttemptAt) - clock.now().getTime();
    assert.ok(delay >= 5_000 && delay <= 15_000, `first retry after ${delay} ms (10 s ± 50 %)`);
    assert.equal(await deliverWebhooks(t.app), 0, 'not due yet');
    assert.equal(attempts, 1);

    clock.set(new Date(Date.parse(view.nextAttemptAt)));
    await deliverWebhooks(t.app);
    view = await status(s, sub.id);
    const second = Date.parse(view.nextAttemptAt) - clock.now().getTime();
    assert.ok(second >= 10_000 && second <= 30_000, `second retry after ${second} ms (20 s ± 50 %)`);

    // a day of failures: the subscription turns failing, and events published meanwhile wait
    await publish(d.code, [upsert(sent[1]!)]);
    clock.set(new Date(clock.now().getTime() + 25 * 3_600_000));
    await deliverWebhooks(t.app);
    view = await status(s, sub.id);
    assert.equal(view.status, 'failing');
    assert.equal(view.lag.events, 2);

    failing = false;
    await publish(d.code, [upsert(sent[2]!)]);
    clock.set(new Date(Date.parse(view.nextAttemptAt)));
    assert.equal(await deliverWebhooks(t.app), 1);
    view = await status(s, sub.id);
    assert.deepEqual([view.status, view.attempts, view.lag.events, view.lastError], ['active', 0, 0, null]);
    const [delivery] = received;
    assert.ok(verifyWebhook(secret, delivery!.headers, delivery!.body, { now: Math.floor(clock.now().getTime() / 1000) }), 'the signature verifies');
    assert.equal(verifyWebhook('another-secret-0123456', delivery!.headers, delivery!.body, { now: Math.floor(clock.now().getTime() / 1000) }), false);
    const body = JSON.parse(delivery!.body) as EventBatch;
    assert.deepEqual(body.events.map((e) => [e.offset, e.key]), sent.map((f, i) => [i + 1, f.uscc]), 'nothing lost, in order');

    const replay = await t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${sub.id}/replay`, payload: { offset: 1 } });
    assert.equal(replay.statusCode, 200, replay.body);
    assert.equal(await deliverWebhooks(t.app), 1);
    assert.deepEqual((JSON.parse(received[1]!.body) as EventBatch).events.map((e) => e.offset), [2, 3], 'replayed from the offset asked for');
    const audited = await t.database.db.selectFrom('audit_access').select(['outcome']).where('system_id', '=', s.system.id).where('mode', '=', 'webhook').execute();
    // every POST is logged before it leaves (as sent: its fate unknown), and each failed one again after, without records
    const count = (outcome: string) => audited.filter((a) => a.outcome === outcome).length;
    assert.deepEqual([count('sent'), count('ok'), count('error')], [attempts, 0, attempts - received.length], 'attempts are in the access log');
  });

  it('shows the data subject a delivery that may have reached the receiver, never one that could not have left', async () => {
    const listening = async (status: number) => {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(status).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      onFileEnd(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    };
    // a port that was just listening and no longer is: connections to it are refused
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const refusedUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/hook`;
    await new Promise<void>((resolve) => gone.close(() => resolve()));

    const d = await dataset();
    const [dead, answering, erring] = [await subscriber(d.id), await subscriber(d.id), await subscriber(d.id)];
    const secret = 'subscription-secret-0123';
    const subs = [
      await subscribe(dead, { dataset: d.code, delivery: 'webhook', url: refusedUrl, secret }),
      await subscribe(answering, { dataset: d.code, delivery: 'webhook', url: await listening(200), secret }),
      await subscribe(erring, { dataset: d.code, delivery: 'webhook', url: await listening(503), secret }),
    ];
    const record = licence();
    await publish(d.code, [upsert(record)]);

    // the dead receiver is tried again and again (so is the 503 one, whenever it is due)
    assert.equal(await deliverWebhooks(t.app), 1);
    for (let retry = 0; retry < 3; retry += 1) {
      const view = await status(dead, subs[0]!.id);
      assert.equal(view.lastError, 'connection refused');
      clock.set(new Date(Date.parse(view.nextAttemptAt)));
      await deliverWebhooks(t.app);
    }
    const tried = await t.database.db.selectFrom('audit_access').select(['outcome']).where('system_id', '=', dead.system.id).where('mode', '=', 'webhook').execute();
    assert.deepEqual([tried.filter((a) => a.outcome !== 'error').length, tried.filter((a) => a.outcome === 'error').length], [4, 4], 'the auditor still sees every attempt');

    const issued = await t.call(t.adminToken, { method: 'POST', url: `/v1/subjects/${record.uscc}/tokens`, payload: { validDays: 3 } });
    assert.equal(issued.statusCode, 201, issued.body);
    const report = await t.call(issued.json().token, { method: 'GET', url: `/v1/subjects/${record.uscc}/access-report` });
    assert.equal(report.statusCode, 200, report.body);
    const deliveries = (system: SystemCreated) =>
      report.json().items.filter((i: { system: string; mode: string }) => i.system === system.system.name && i.mode === 'webhook').length;
    const erringSent = await t.database.db.selectFrom('audit_access').select('seq').where('system_id', '=', erring.system.id).where('outcome', '<>', 'error').execute();
    assert.ok(erringSent.length >= 1);
    assert.deepEqual(
      [deliveries(dead), deliveries(answering), deliveries(erring)],
      [0, 1, erringSent.length],
      'refused connections delivered nothing; a 200 is one delivery; a 503 may have been read by the receiver, so it is shown',
    );
  });
});
