/**
 * Several exchange processes on one Kafka backbone: a relay killed mid-stream and taken over by
 * another process, a dead relay's unrecorded messages not published again, and the delivery
 * workers' consumer group rebalancing while webhooks are being delivered.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type KeyObject, randomBytes } from 'node:crypto';
import type { NodeCreated } from '../../contracts/generated/api.ts';
import { loadConfig } from '../../exchange/config.ts';
import { KafkaEventLog } from '../../exchange/events/kafka/kafka-event-log.ts';
import { PgEventLog } from '../../exchange/events/pg-event-log.ts';
import { clientSettings, envelopeOf, loadRdkafka, topicOf } from '../../exchange/events/kafka/rdkafka.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';
import { event } from '../conformance/event-log.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { eventually, onFileEnd } from '../support/database.ts';
import { kafkaAppEnv, kafkaMissing } from '../support/kafka-broker.ts';
import { loopbackReceivers } from '../support/receiver.ts';
import { grant } from '../support/registries.ts';

const missing = kafkaMissing();
const env = missing ? {} : { ...kafkaAppEnv('scale'), ...loopbackReceivers };
const kafka = () => loadConfig({ ...env, BRX_HOME: '/nonexistent' }).kafka!;
let t: TestApp;
const logs: KafkaEventLog[] = [];
const open = (log: KafkaEventLog) => {
  logs.push(log);
  return log;
};
const closeAll = () => Promise.all(logs.splice(0).map((l) => l.close()));

before(async () => {
  if (missing) return;
  console.log(`Kafka broker: ${process.env.KAFKA_BROKERS}`);
  // the test's own process reads and appends on PostgreSQL; the relays are the processes under test
  t = await startTestApp();
});
after(closeAll);

const newDataset = async () => (await buildDataset(t, (await buildDepartment(t)).id)).id;

/** Every event of the dataset through a Kafka reader, page by page. */
async function readAll(log: KafkaEventLog, id: string): Promise<number[]> {
  const offsets: number[] = [];
  for (let page = await log.read(id, 0, 1000); page.length; page = await log.read(id, offsets.at(-1)!, 1000)) offsets.push(...page.map((e) => e.offset));
  return offsets;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** How many messages the dataset's topic holds. */
async function topicSize(id: string): Promise<number> {
  const { topic } = await t.database.db.selectFrom('event_relay').select('topic').where('dataset_id', '=', id).executeTakeFirstOrThrow();
  const rd = loadRdkafka();
  const c = new rd.KafkaConsumer({ ...clientSettings(kafka(), 'test'), 'group.id': 'test-size' }, {});
  await new Promise<void>((resolve, reject) => c.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    return await new Promise((resolve, reject) => c.queryWatermarkOffsets(topic, 0, 10_000, (err, w) => (err ? reject(err) : resolve(w.highOffset - w.lowOffset))));
  } finally {
    c.disconnect();
  }
}

describe('Kafka relay failover', { skip: missing }, () => {
  it('a relay that died after publishing but before recording does not publish those events again', async () => {
    const id = await newDataset();
    const outbox = open(new KafkaEventLog(t.database.db, kafka(), () => {})); // not started: no relay yet
    await t.database.db.transaction().execute((trx) => outbox.append(trx, id, range(10).map((i) => event(`k${i}`, { i }))));
    // what a dead relay left: events 1–6 in the topic, only 1–3 recorded as relayed
    const topic = topicOf(kafka(), (await t.database.db.selectFrom('datasets').select('code').where('id', '=', id).executeTakeFirstOrThrow()).code);
    await t.database.db.insertInto('event_relay').values({ dataset_id: id, topic, relayed_offset: 3, kafka_base: -1 }).execute();
    const rd = loadRdkafka();
    const producer = new rd.Producer({ ...clientSettings(kafka(), 'dead-relay'), dr_cb: true });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(5);
    let reported = 0;
    producer.on('delivery-report', () => (reported += 1));
    // the events as the outbox holds them, enveloped as the relay does
    for (const e of await new PgEventLog(t.database.db).read(id, 0, 6)) {
      producer.produce(topic, 0, Buffer.from(JSON.stringify(envelopeOf(e))), e.key);
    }
    await eventually('the dead relay’s messages acknowledged', async () => reported === 6);
    await new Promise((resolve) => producer.disconnect(resolve));

    const relay = open(new KafkaEventLog(t.database.db, kafka(), () => {}).start());
    await eventually('all ten relayed', async () => (await relay.head(id)) === 10);
    assert.equal(await topicSize(id), 10, 'events 4–6 are in the topic once');
    assert.deepEqual(await readAll(relay, id), range(10));
    await closeAll(); // the next test's relays and group members are its own
  });

  it('a topic whose events are another dataset’s (another installation, a restored database) is refused, not trusted', async () => {
    const id = await newDataset();
    const outbox = open(new KafkaEventLog(t.database.db, kafka(), () => {}));
    await t.database.db.transaction().execute((trx) => outbox.append(trx, id, [event('mine')]));
    const topic = topicOf(kafka(), (await t.database.db.selectFrom('datasets').select('code').where('id', '=', id).executeTakeFirstOrThrow()).code);
    const rd = loadRdkafka();
    const producer = new rd.Producer({ ...clientSettings(kafka(), 'elsewhere'), dr_cb: true });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(5);
    let reported = false;
    producer.on('delivery-report', () => (reported = true));
    const foreign = { v: 1, datasetId: '00000000-0000-4000-8000-000000000000', offset: 7, key: 'theirs', op: 'upsert', data: {}, contractVersion: '1.0' };
    producer.produce(topic, 0, Buffer.from(JSON.stringify(foreign)), 'theirs');
    await eventually('the foreign message in the topic', async () => reported);
    await new Promise((resolve) => producer.disconnect(resolve));

    const warnings: string[] = [];
    const relay = open(new KafkaEventLog(t.database.db, kafka(), (m) => warnings.push(m)).start());
    await eventually('the relay refuses the topic', async () => warnings.some((w) => w.includes('not this dataset')));
    assert.equal(await relay.head(id), 0, 'nothing is taken as published');
    assert.ok(!warnings.some((w) => w.includes('mine')), 'the warning names no record key');
    await closeAll();
  });

  it('a relay process killed mid-stream: another process takes the dataset over, with no gap, and readers drop what was published twice', async () => {
    const id = await newDataset();
    const script = fileURLToPath(new URL('../support/relay-process.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, t.database.url], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    onFileEnd(async () => void child.kill('SIGKILL'));
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    await eventually('the other process relays', async () => output.includes('relaying'));
    const appender = open(new KafkaEventLog(t.database.db, kafka(), () => {})); // appends only
    const total = 20_000;
    let appended = 0;
    const appending = (async () => {
      for (; appended < total; appended += 500) {
        await t.database.db.transaction().execute((trx) => appender.append(trx, id, range(500).map((i) => event(`p${(appended + i) % 3000}`, { n: appended + i }))));
      }
    })();
    const relayedByChild = () => Math.max(0, ...[...output.matchAll(new RegExp(`relayed ${id} (\\d+)`, 'g'))].map((m) => Number(m[1])));
    await eventually('the other process has leased the dataset and relayed some of it', async () => relayedByChild() >= 2000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const diedAt = relayedByChild();
    assert.ok(diedAt < total, `killed mid-stream (at ${diedAt} of ${total})`);

    const successor = open(new KafkaEventLog(t.database.db, kafka(), () => {}).start());
    await appending;
    await eventually('the successor relays the rest', async () => (await successor.head(id)) === total, 60_000);
    assert.ok(successor.relay.leased.has(id), 'this process holds the lease now');
    assert.deepEqual(await readAll(successor, id), range(total), 'every offset once, in order');
    const repeated = (await topicSize(id)) - total;
    assert.equal(repeated, 0, 'the successor went on from the topic’s last message: nothing twice');
    await closeAll();
  });
});

describe('delivery workers’ consumer group', { skip: missing }, () => {
  it('a rebalance during webhook delivery (a process leaves) moves the datasets, and every subscription gets every event in order', async () => {
    // two exchange processes on one database and one delivery group, with the same secret key
    const shared = { ...env, BRX_SECRET_KEY: randomBytes(32).toString('base64') };
    const processA = await startTestApp(shared, { database: t.database });
    const processB = await startTestApp(shared, { database: t.database });
    const provider = await buildDepartment(processA);
    const consumer = await buildDepartment(processA);
    const node: NodeCreated & { privateKey: KeyObject } = await buildNode(processA, provider.id);
    const seen = new Map<string, number[][]>();
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const batch = JSON.parse(body) as { subscription: string; events: { offset: number }[] };
        seen.set(batch.subscription, [...(seen.get(batch.subscription) ?? []), batch.events.map((e) => e.offset)]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onFileEnd(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const datasets = await Promise.all(range(4).map(() => buildDataset(processA, provider.id)));
    const subs: { id: string; dataset: string }[] = [];
    let batchNo = 0;
    // published through the test's own process (PostgreSQL: it does not wait for one member's share)
    const publish = async (code: string, n: number) => {
      const res = await sendBatch(t, node, code, { batchId: `rb${++batchNo}`, records: range(n).map(() => upsert(licence())) });
      assert.equal(res.statusCode, 200, res.body);
    };
    for (const d of datasets) {
      await publish(d.code, 1); // the topic exists, so the group assigns it
      await eventually('the first event relayed', async () => (await processA.app.events.head(d.id)) === 1);
      const s = await buildSystem(processA, consumer.id);
      await grant(processA, s.system.id, d.id, { fields: ['uscc', 'name', 'status'], modes: ['subscribe'], purpose: '监管事项联动' });
      const res = await processA.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'webhook', url, secret: 'rebalance-secret-0123456' } });
      assert.equal(res.statusCode, 201, res.body);
      subs.push({ id: res.json().id, dataset: d.id });
    }
    const ids = new Set(datasets.map((d) => d.id));
    const shareOf = (p: TestApp) => [...(p.app.events.deliveryShare() ?? [])].filter((id) => ids.has(id));
    await eventually('both processes serve a share of the datasets', async () => {
      const [sa, sb] = [shareOf(processA), shareOf(processB)];
      return sa.length > 0 && sb.length > 0 && sa.length + sb.length === 4 && new Set([...sa, ...sb]).size === 4;
    });

    // both deliver while the providers publish; then A leaves, mid-stream
    const stopped = new Set<TestApp>();
    const deliver = async (p: TestApp) => {
      while (!stopped.has(p)) if ((await deliverWebhooks(p.app)) === 0) await new Promise((r) => setTimeout(r, 20));
    };
    const deliveringA = deliver(processA);
    const deliveringB = deliver(processB);
    for (let round = 0; round < 3; round++) for (const d of datasets) await publish(d.code, 20);
    const sharesBefore = shareOf(processB).length;
    // its round in flight ends first, as the exchange's own timer does on close
    stopped.add(processA);
    await deliveringA;
    await processA.app.close(); // it leaves the group
    await eventually('the other process serves every dataset now', async () => shareOf(processB).length === 4, 60_000);
    assert.ok(sharesBefore < 4, 'before, the datasets were shared');
    for (let round = 0; round < 3; round++) for (const d of datasets) await publish(d.code, 20);
    // each subscription began after its dataset's first event
    const head = 1 + 6 * 20;
    await eventually('every subscription delivered to the end', async () => subs.every((s) => (seen.get(s.id) ?? []).at(-1)?.at(-1) === head), 60_000);
    stopped.add(processB);
    await deliveringB;
    for (const s of subs) {
      // batch after batch: each consecutive, none starting past what came before (a batch sent
      // again, at least once, is allowed; a gap is not)
      let delivered = 1;
      for (const batch of seen.get(s.id)!) {
        assert.deepEqual(batch, range(batch.length).map((i) => batch[0]! + i - 1), `${s.id}: a batch of consecutive events`);
        assert.ok(batch[0]! <= delivered + 1, `${s.id}: no gap before offset ${batch[0]} (had ${delivered})`);
        delivered = Math.max(delivered, batch.at(-1)!);
      }
      assert.equal(delivered, head, `${s.id}: every event`);
    }
  });
});
