import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../exchange/config.ts';
import { KafkaEventLog } from '../../exchange/events/kafka/kafka-event-log.ts';
import { event, eventLogConformance } from '../conformance/event-log.ts';
import { buildDepartment, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset } from '../support/catalog.ts';
import { eventually } from '../support/database.ts';
import { kafkaAppEnv, kafkaMissing } from '../support/kafka-broker.ts';

const missing = kafkaMissing();
let t: TestApp;
const logs: KafkaEventLog[] = [];
/** A Kafka backbone over the test app's database, as another exchange process would run it. */
const kafkaLog = (name = 'log') => {
  const log = new KafkaEventLog(t.database.db, loadConfig({ ...kafkaAppEnv(name), BRX_HOME: '/nonexistent' }).kafka!, () => {}).start();
  logs.push(log);
  return log;
};
let log: KafkaEventLog;

before(async () => {
  if (missing) return;
  console.log(`Kafka broker: ${process.env.KAFKA_BROKERS}`);
  t = await startTestApp();
  log = kafkaLog();
});
after(() => Promise.all(logs.map((l) => l.close())));

eventLogConformance(
  'Kafka',
  () => ({
    log,
    newDataset: async () => (await buildDataset(t, (await buildDepartment(t)).id)).id,
    transaction: (fn) => t.database.db.transaction().execute(fn),
  }),
  { skip: missing },
);

describe('Kafka relay', { skip: missing }, () => {
  it('publishes each dataset to its own topic, keyed by record key, with the event in the value', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    await t.database.db.transaction().execute((trx) => log.append(trx, id, [event('k1', { n: 1 }), event('k2', { n: 2 })]));
    await eventually('relayed', async () => (await log.head(id)) === 2);
    const relay = await t.database.db.selectFrom('event_relay').selectAll().where('dataset_id', '=', id).executeTakeFirstOrThrow();
    assert.match(relay.topic, /^brx\.test\.log-\d+\./);
    assert.equal(relay.kafka_base, -1, 'dataset offset 1 is the topic’s first message');
    assert.deepEqual((await log.read(id, 0, 10)).map((e) => [e.offset, e.key, e.data]), [[1, 'k1', { n: 1 }], [2, 'k2', { n: 2 }]]);
  });
});
