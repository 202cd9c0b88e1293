import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../../exchange/config.ts';
import { ingestBatch } from '../../exchange/ingest/ingest.ts';
import { buildApp } from '../../exchange/server.ts';
import { cpuMeter, postmasterOf, processesMs, threadMs } from './cpu.ts';
import { benchDatabase, round } from './harness.ts';
import { householdWorld, idOf, personOf } from './household.ts';

/** The knobs of the delivery scenario, from the environment (defaults: 20 subscribers, 2,000 records/s, 60 s). */
export function deliveryKnobs() {
  return {
    subscribers: Number(process.env.BENCH_SUBSCRIBERS ?? 20),
    rate: Number(process.env.BENCH_RATE ?? 2000),
    seconds: Number(process.env.BENCH_SECONDS ?? 60),
  };
}

export interface DeliveryOptions {
  readonly subscribers: number;
  readonly rate: number;
  readonly seconds: number;
  /** the app's environment on top of the bench's own settings: BRX_EVENT_LOG, KAFKA_* … (none: PostgreSQL) */
  readonly env?: Record<string, string>;
  /** the progress lines' prefix */
  readonly label?: string;
  /** processes of this machine whose CPU counts as the backbone's (a broker the bench started) */
  readonly brokerPids?: readonly number[];
}

export interface DeliveryFigures {
  readonly backbone: 'postgres' | 'kafka';
  /** the last offset published (the events published: the database is fresh) */
  readonly published: number;
  readonly publishSeconds: number;
  readonly publishedPerSecond: number;
  /** events received, summed over the subscribers */
  readonly delivered: number;
  readonly deliveriesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /**
   * p99 of the events published after the first 10 s (or the first half of the publishing,
   * when shorter): without the start of a dataset's flow (on Kafka: its topic made, the relay's
   * lease taken, the tail cache and the delivery group not yet following it)
   */
  readonly steadyP99Ms: number;
  readonly steadyAfterSeconds: number;
  /** subscribers that had not acknowledged the last event 5 s after the last publish */
  readonly behind: number;
  readonly errors: readonly string[];
  /** µs per delivered event: the server (this process, less the subscribers' thread) */
  readonly serverCpuUs: number | null;
  /** µs per delivered event: the subscribers' worker thread (the load, not the server) */
  readonly subscribersCpuUs: number | null;
  /** µs per delivered event: every PostgreSQL process */
  readonly postgresCpuUs: number | null;
  /** µs per delivered event: the broker's processes, when given */
  readonly brokerCpuUs: number | null;
}

const tickMs = 100;
const population = 50_000;
const steadyAfterMs = 10_000;

/**
 * The delivery scenario on a fresh bench database, with the backbone `env` selects: `subscribers`
 * consuming systems each follow the household dataset with a pull subscription (long poll, ack)
 * from a worker thread, while 公安 publishes a steady `rate` changed records a second, in batches
 * every 100 ms, for `seconds`, through the app's event log (on Kafka, that is what the relay
 * publishes). Latency is publish accepted (the batch committed and answered) → the consumer
 * holding the event. CPU is counted from the first publish until the subscribers
 * have stopped.
 */
export async function deliveryScenario(options: DeliveryOptions): Promise<DeliveryFigures> {
  const { subscribers, rate, seconds } = options;
  const prefix = options.label ? `${options.label}, ` : '';
  const database = await benchDatabase();
  const db = database.db;
  const config = loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_ADMIN_PASSWORD: 'bench-admin-password', BRX_SCHEDULER_INTERVAL_SECONDS: '0', BRX_DB_POOL_SIZE: '30', ...options.env });
  const world = await householdWorld(db, config, subscribers, ['subscribe']);
  const app = await buildApp({ config, db, logger: false });
  const postmaster = await postmasterOf(db);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const subs: { id: string; apiKey: string }[] = [];
  for (const s of world.systems) {
    const res = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${s.apiKey}` }, payload: { dataset: world.code, delivery: 'pull' } });
    if (res.statusCode !== 201) throw new Error(res.body);
    subs.push({ id: res.json().id, apiKey: s.apiKey });
  }

  // received ranges per subscriber, from the worker
  const received: { sub: string; first: number; last: number; count: number; receivedAt: number }[] = [];
  const acked = new Map<string, number>();
  const errors: string[] = [];
  let workerThread: number | null = null;
  const worker = new Worker(new URL('./delivery-subscribers.mjs', import.meta.url), { workerData: { base, subscribers: subs } });
  const workerDone = new Promise<void>((resolve) =>
    worker.on('message', (m) => {
      if (m === 'done') return resolve();
      if (m.tid) {
        workerThread = m.tid as number;
        return;
      }
      if (m.error) return void errors.push(m.error);
      received.push(m);
      acked.set(m.sub, Math.max(acked.get(m.sub) ?? 0, m.last));
    }),
  );
  await new Promise((r) => setTimeout(r, 500)); // subscribers are waiting

  // one batch before the measured run, on either backbone alike: the dataset's first event is a
  // one-time cost (on Kafka the topic is made then, about half a second), not the steady delivery
  // this bench measures; the run starts once every subscriber has it
  const warmUp = await ingestBatch(db, app.events, {
    dataset: world.dataset,
    batchId: 'warm-up',
    records: Array.from({ length: 10 }, (_, i) => ({ op: 'upsert', key: idOf(population + i), data: personOf(population + i), sourceTime: new Date().toISOString() })),
    submitter: { nodeId: world.nodeId },
    departmentId: world.police,
    now: new Date(),
  });
  const warmUntil = Date.now() + 30_000;
  while (subs.some((s) => (acked.get(s.id) ?? 0) < warmUp.lastOffset!) && Date.now() < warmUntil) await new Promise((r) => setTimeout(r, 20));

  const meter = cpuMeter('self', postmaster);
  const subscribers0 = workerThread === null ? null : threadMs(workerThread);
  const broker0 = options.brokerPids?.length ? processesMs(options.brokerPids) : null;

  // steady publisher: one batch every tick, on an absolute schedule
  const perTick = Math.round((rate * tickMs) / 1000);
  const batches: { first: number; last: number; acceptedAt: number }[] = [];
  const started = Date.now();
  const ticks = (seconds * 1000) / tickMs;
  let sourceIndex = 0;
  for (let k = 0; k < ticks; k++) {
    const due = started + k * tickMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sourceTime = new Date().toISOString();
    const records = Array.from({ length: perTick }, () => {
      const i = sourceIndex++ % population;
      return { op: 'upsert', key: idOf(i), data: personOf(i, Math.floor(sourceIndex / population) + 1), sourceTime };
    });
    const result = await ingestBatch(db, app.events, { dataset: world.dataset, batchId: `tick-${k}`, records, submitter: { nodeId: world.nodeId }, departmentId: world.police, now: new Date() });
    if (result.firstOffset !== null && result.lastOffset !== null) batches.push({ first: result.firstOffset, last: result.lastOffset, acceptedAt: Date.now() });
    if (k % (10_000 / tickMs) === 0) {
      const head = batches.at(-1)?.last ?? 0;
      const behind = Math.max(...subs.map((s) => head - (acked.get(s.id) ?? 0)));
      process.stderr.write(`  ${prefix}${Math.round((Date.now() - started) / 1000)} s: ${head.toLocaleString()} events published, slowest subscriber ${behind.toLocaleString()} behind\n`);
    }
  }
  const publishSeconds = (Date.now() - started) / 1000;
  const head = batches.at(-1)!.last;
  // grace for the last batch, then see who is behind
  const graceUntil = Date.now() + 5_000;
  while (Date.now() < graceUntil && subs.some((s) => (acked.get(s.id) ?? 0) < head)) await new Promise((r) => setTimeout(r, 50));
  const behind = subs.filter((s) => (acked.get(s.id) ?? 0) < head).length;

  worker.postMessage('stop');
  await workerDone;
  // CPU up to here, per event received (the batches cover every offset up to the head)
  const first = batches[0]!.first;
  const units = received.reduce((n, r) => n + Math.max(0, Math.min(r.last, head) - Math.max(r.first, first) + 1), 0);
  const per = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : round((ms * 1000) / Math.max(1, units), 1));
  const cpu = meter.stop(units);
  const subscribers1 = workerThread === null ? null : threadMs(workerThread);
  const subscribersCpuUs = per(subscribers0 === null || subscribers1 === null ? null : subscribers1 - subscribers0);
  const broker1 = broker0 === null ? null : processesMs(options.brokerPids!);
  const brokerCpuUs = per(broker0 === null || broker1 === null ? null : broker1 - broker0);
  await worker.terminate();
  await app.close();
  await database.close();

  // latency of every delivered event: the range it arrived in against the batch it was published in
  // (and apart, that of the events published once the backbone had run for a while: see `steadyP99Ms`)
  const steadyFrom = Math.min(steadyAfterMs, (publishSeconds * 1000) / 2);
  const histogram = new Map<number, number>();
  const steady = new Map<number, number>();
  let delivered = 0;
  for (const r of received) {
    for (const b of batches) {
      const overlap = Math.min(r.last, b.last) - Math.max(r.first, b.first) + 1;
      if (overlap <= 0) continue;
      const ms = Math.max(0, r.receivedAt - b.acceptedAt);
      histogram.set(ms, (histogram.get(ms) ?? 0) + overlap);
      if (b.acceptedAt - started >= steadyFrom) steady.set(ms, (steady.get(ms) ?? 0) + overlap);
      delivered += overlap;
    }
  }
  const percentile = (p: number, of = histogram) => {
    const total = [...of.values()].reduce((a, b) => a + b, 0);
    let seen = 0;
    for (const ms of [...of.keys()].sort((a, b) => a - b)) {
      seen += of.get(ms)!;
      if (seen >= p * total) return ms;
    }
    return Number.NaN;
  };
  return {
    backbone: app.events.backbone,
    published: head,
    publishSeconds,
    publishedPerSecond: Math.round(head / publishSeconds),
    delivered,
    deliveriesPerSecond: Math.round(delivered / publishSeconds),
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    steadyP99Ms: percentile(0.99, steady),
    steadyAfterSeconds: round(steadyFrom / 1000, 1),
    behind,
    errors,
    serverCpuUs: cpu.serverCpuUs === null || subscribersCpuUs === null ? cpu.serverCpuUs : round(cpu.serverCpuUs - subscribersCpuUs, 1),
    subscribersCpuUs,
    postgresCpuUs: cpu.postgresCpuUs,
    brokerCpuUs,
  };
}
