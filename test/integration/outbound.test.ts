import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { NodeCreated, SystemCreated } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { verifyWebhook, webhookHeaders } from '../../exchange/delivery/webhook.ts';
import { deliverNotifications } from '../../exchange/notifications/outbox.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { grant } from '../support/registries.ts';
import { loopbackReceivers, type Received, startReceiver } from '../support/receiver.ts';

let t: TestApp;
let node: NodeCreated & { privateKey: KeyObject };
let consumers: string;
let providers: string;
const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));
let batchNo = 0;
const secret = 'outbound-test-secret-0123';

before(async () => {
  // the tests' receivers listen on 127.0.0.1: allowed by configuration, as an operator would
  t = await startTestApp({ ...loopbackReceivers, BRX_OUTBOUND_TIMEOUT_MS: '2000' }, { clock });
  const market = await buildDepartment(t);
  providers = market.id;
  consumers = (await buildDepartment(t)).id;
  node = await buildNode(t, market.id);
});

async function publish(code: string) {
  batchNo += 1;
  const res = await sendBatch(t, node, code, { batchId: `o${batchNo}`, records: [upsert(licence())] });
  assert.equal(res.statusCode, 200, res.body);
}

async function subscriber(datasetId: string): Promise<SystemCreated> {
  const s = await buildSystem(t, consumers);
  await grant(t, s.system.id, datasetId, { fields: ['uscc', 'name'], modes: ['subscribe'], purpose: '监管事项联动' });
  return s;
}

const subscribe = (s: SystemCreated, dataset: string, url: string) =>
  t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset, delivery: 'webhook', url, secret } });

async function webhook(s: SystemCreated, dataset: string, url: string): Promise<string> {
  const res = await subscribe(s, dataset, url);
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

const lastError = async (s: SystemCreated, id: string) => (await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${id}` })).json().lastError;

/** Earlier tests' subscriptions would become due again as the clock moves: out of the way. */
const quiet = () => sql`update subscriptions set status = 'cancelled' where delivery = 'webhook'`.execute(t.database.db);

describe('outbound URLs are checked when saved', () => {
  it('refuses another scheme, plain http to an unlisted host and internal addresses, naming the field', async () => {
    const d = await buildDataset(t, providers);
    const s = await subscriber(d.id);
    const cases: [string, RegExp][] = [
      ['http://hooks.example.gov.cn/brx', /must be https/],
      ['https://10.0.0.5/brx', /address not allowed \(private network\)/],
      ['https://169.254.169.254/latest/meta-data/', /address not allowed \(link-local\)/],
      ['https://[::ffff:169.254.169.254]/', /address not allowed \(link-local\)/],
      ['https://0.0.0.0/', /address not allowed \(unspecified\)/],
    ];
    for (const [url, message] of cases) {
      const res = await subscribe(s, d.code, url);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().errors[0].pointer, '/url');
      assert.match(res.json().errors[0].message, message, url);
    }
    assert.equal((await subscribe(s, d.code, 'https://hooks.example.gov.cn/brx')).statusCode, 201, 'a name is checked when sent');

    const system = await buildSystem(t, consumers);
    const patch = (notifyUrl: string) =>
      t.call(t.adminToken, { method: 'PATCH', url: `/v1/departments/${consumers}/systems/${system.system.id}`, payload: { notifyUrl, notifySecret: secret } });
    const refused = await patch('https://192.168.1.10/notify');
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().errors[0].pointer, '/notifyUrl');
    assert.equal((await patch('https://hooks.example.gov.cn/notify')).statusCode, 200);
    await quiet();
  });
});

describe('outbound failures', () => {
  it('are told by class: the HTTP status, never the body; a redirect is not followed', async () => {
    let targetHits = 0;
    const counting = await startReceiver((_h, res) => {
      targetHits += 1;
      res.writeHead(204).end();
    });
    const leaky = await startReceiver((_h, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('FATAL: password authentication failed for user "brx" at 10.0.0.7:5432'));
    const redirecting = await startReceiver((_h, res) => void res.writeHead(302, { location: counting.url }).end());
    const d = await buildDataset(t, providers);
    const a = await subscriber(d.id);
    const b = await subscriber(d.id);
    const leakyId = await webhook(a, d.code, leaky.url);
    const redirectId = await webhook(b, d.code, redirecting.url);
    await publish(d.code);
    assert.equal(await deliverWebhooks(t.app), 0);
    assert.equal(await lastError(a, leakyId), 'HTTP 500');
    assert.equal(await lastError(b, redirectId), 'HTTP 302');
    assert.equal(targetHits, 0, 'the redirect was not followed');
    // a name that does not resolve: the consumer sees the class shared with "resolves inside"
    const c = await subscriber(d.id);
    const missingId = await webhook(c, d.code, 'https://brx-no-such-host.invalid/hook');
    await publish(d.code);
    await deliverWebhooks(t.app);
    assert.equal(await lastError(c, missingId), 'host not allowed or not found');

    // a notification to a port nobody listens on
    const system = await buildSystem(t, consumers);
    await t.call(t.adminToken, {
      method: 'PATCH',
      url: `/v1/departments/${consumers}/systems/${system.system.id}`,
      payload: { notifyUrl: 'http://127.0.0.1:9/gone', notifySecret: secret },
    });
    await t.database.db
      .insertInto('notifications')
      .values({ system_id: system.system.id, kind: 'decided', title: 'x', detail: '{}', created_at: clock.now(), delivery: 'pending', next_attempt_at: clock.now() })
      .execute();
    await deliverNotifications(t.app);
    const row = await t.database.db.selectFrom('notifications').select('last_error').where('system_id', '=', system.system.id).executeTakeFirstOrThrow();
    assert.equal(row.last_error, 'connection refused');
    await quiet();
  });
});

describe('webhook deliveries', () => {
  it('sign each POST with the time it leaves, not the time the round began', async () => {
    const stamps: number[] = [];
    const fresh: boolean[] = [];
    const receiver = await startReceiver((hook, res) => {
      stamps.push(Number(hook.headers[webhookHeaders.timestamp]));
      fresh.push(verifyWebhook(secret, hook.headers, hook.body, { now: Math.floor(clock.now().getTime() / 1000) }));
      // this receiver is slow: the next POST of the round leaves 400 s later
      clock.advance(400_000);
      res.writeHead(204).end();
    });
    const d = await buildDataset(t, providers);
    for (let i = 0; i < 3; i++) await webhook(await subscriber(d.id), d.code, receiver.url);
    await publish(d.code);
    assert.equal(await deliverWebhooks(t.app), 3);
    assert.equal(stamps.length, 3);
    assert.deepEqual(
      stamps.map((s) => s - stamps[0]!),
      [0, 400, 800],
    );
    assert.deepEqual(fresh, [true, true, true], 'each verifies within the receiver’s 300 s window when it arrives');
    await quiet();
  });

  it('are claimed one at a time: two concurrent runs never deliver the same batch twice, however long a round takes', async () => {
    const seen: string[] = [];
    const held: { res: ServerResponse }[] = [];
    let arrived: (() => void) | null = null;
    let holding = true;
    const receiver = await startReceiver((hook: Received, res) => {
      const body = JSON.parse(hook.body) as { subscription: string; events: { offset: number }[] };
      seen.push(`${body.subscription}@${body.events[0]!.offset}`);
      if (holding) held.push({ res });
      else res.writeHead(204).end();
      arrived?.();
    });
    const nextArrival = () => new Promise<void>((r) => (arrived = r));
    const release = () => held.shift()!.res.writeHead(204).end();
    const d = await buildDataset(t, providers);
    await webhook(await subscriber(d.id), d.code, receiver.url);
    await webhook(await subscriber(d.id), d.code, receiver.url);
    await publish(d.code);

    let arrival = nextArrival();
    const first = deliverWebhooks(t.app);
    await arrival;
    // the first POST takes 100 s (less than a lease), then the second one 30 s more
    clock.advance(100_000);
    arrival = nextArrival();
    release();
    await arrival;
    clock.advance(30_000);
    // a second process runs now, while the second POST of the first round is in flight
    arrival = nextArrival();
    const second = deliverWebhooks(t.app);
    const outcome = await Promise.race([second.then(() => 'second run done'), arrival.then(() => 'second run posted')]);
    holding = false;
    while (held.length) release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(outcome, 'second run done', `the second run posted a batch in flight: ${seen.join(', ')}`);
    assert.equal(new Set(seen).size, seen.length, `no batch twice: ${seen.join(', ')}`);
    assert.deepEqual([a, b], [2, 0]);
    await quiet();
  });

  it('are in the access log before they leave', async () => {
    const found: { sent: number; delivery: number }[] = [];
    const receiver = await startReceiver(async (hook, res) => {
      const body = JSON.parse(hook.body) as { subscription: string };
      // what an auditor would find if the exchange died right now
      const rows = await sql<{ outcome: string; delivery: string | null }>`
        select outcome, query->>'delivery' as delivery from audit_access
         where mode = 'webhook' and query->>'subscription' = ${body.subscription}`.execute(t.database.db);
      found.push({
        sent: rows.rows.filter((r) => r.outcome === 'sent').length,
        delivery: rows.rows.filter((r) => r.delivery === hook.headers[webhookHeaders.delivery]).length,
      });
      res.writeHead(204).end();
    });
    const d = await buildDataset(t, providers);
    const s = await subscriber(d.id);
    await webhook(s, d.code, receiver.url);
    await publish(d.code);
    assert.equal(await deliverWebhooks(t.app), 1);
    assert.deepEqual(found, [{ sent: 1, delivery: 1 }], 'the entry was committed before the POST reached the receiver');
    const [entry] = await t.database.db.selectFrom('audit_access').select(['record_count', 'subject_keys']).where('system_id', '=', s.system.id).where('mode', '=', 'webhook').execute();
    assert.equal(entry!.record_count, 1);
    await quiet();
  });
});
