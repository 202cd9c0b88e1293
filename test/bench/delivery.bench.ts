import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../../exchange/config.ts';
import { ingestBatch } from '../../exchange/ingest/ingest.ts';
import { buildApp } from '../../exchange/server.ts';
import { benchDatabase, printTable, round } from './harness.ts';
import { householdWorld, idOf, personOf } from './household.ts';
import { PgEventLog } from '../../exchange/events/pg-event-log.ts';

/**
 * `npm run bench -- delivery`: BENCH_SUBSCRIBERS (default 20) consuming systems each follow the
 * household dataset with a pull subscription (long poll, ack) from a worker thread, while 公安
 * publishes a steady BENCH_RATE (default 2,000) changed records a second, in batches every
 * 100 ms, for BENCH_SECONDS (default 60). Latency is publish accepted (the batch committed and
 * answered) → the consumer holding the event. Target: p99 ≤ 500 ms and no subscriber behind at
 * the end.
 */
const subscribers = Number(process.env.BENCH_SUBSCRIBERS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const tickMs = 100;
const population = 50_000;

export async function bench() {
  const database = await benchDatabase();
  const db = database.db;
  const config = loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_ADMIN_PASSWORD: 'bench-admin-password', BRX_SCHEDULER_INTERVAL_SECONDS: '0', BRX_DB_POOL_SIZE: '30' });
  const world = await householdWorld(db, config, subscribers, ['subscribe']);
  const app = await buildApp({ config, db, logger: false });
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
  const worker = new Worker(new URL('./delivery-subscribers.mjs', import.meta.url), { workerData: { base, subscribers: subs } });
  const workerDone = new Promise<void>((resolve) =>
    worker.on('message', (m) => {
      if (m === 'done') return resolve();
      if (m.error) return void errors.push(m.error);
      received.push(m);
      acked.set(m.sub, Math.max(acked.get(m.sub) ?? 0, m.last));
    }),
  );
  await new Promise((r) => setTimeout(r, 500)); // subscribers are waiting

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
    const result = await ingestBatch(db, new PgEventLog(db), { dataset: world.dataset, batchId: `tick-${k}`, records, submitter: { nodeId: world.nodeId }, departmentId: world.police, now: new Date() });
    if (result.firstOffset !== null && result.lastOffset !== null) batches.push({ first: result.firstOffset, last: result.lastOffset, acceptedAt: Date.now() });
    if (k % (10_000 / tickMs) === 0) {
      const head = batches.at(-1)?.last ?? 0;
      const behind = Math.max(...subs.map((s) => head - (acked.get(s.id) ?? 0)));
      process.stderr.write(`  ${Math.round((Date.now() - started) / 1000)} s: ${head.toLocaleString()} events published, slowest subscriber ${behind.toLocaleString()} behind\n`);
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
  await worker.terminate();
  await app.close();
  await database.close();

  // latency of every delivered event: the range it arrived in against the batch it was published in
  const histogram = new Map<number, number>();
  let delivered = 0;
  for (const r of received) {
    for (const b of batches) {
      const overlap = Math.min(r.last, b.last) - Math.max(r.first, b.first) + 1;
      if (overlap <= 0) continue;
      const ms = Math.max(0, r.receivedAt - b.acceptedAt);
      histogram.set(ms, (histogram.get(ms) ?? 0) + overlap);
      delivered += overlap;
    }
  }
  const percentile = (p: number) => {
    let seen = 0;
    for (const ms of [...histogram.keys()].sort((a, b) => a - b)) {
      seen += histogram.get(ms)!;
      if (seen >= p * delivered) return ms;
    }
    return Number.NaN;
  };
  const p50 = percentile(0.5);
  const p99 = percentile(0.99);
  printTable([
    { measure: 'published', value: `${head.toLocaleString()} events in ${round(publishSeconds, 1)} s (${Math.round(head / publishSeconds).toLocaleString()}/s)` },
    { measure: 'delivered', value: `${delivered.toLocaleString()} events to ${subscribers} subscribers (${Math.round(delivered / publishSeconds).toLocaleString()}/s)` },
    { measure: 'latency p50', value: `${p50} ms` },
    { measure: 'latency p99', value: `${p99} ms (target ≤ 500 ms)` },
    { measure: 'behind at the end', value: `${behind} of ${subscribers}` },
    { measure: 'errors', value: String(errors.length) },
  ]);
  if (errors.length) console.log(`first error: ${errors[0]}`);
  return { ratio: round(500 / Math.max(p99, 1), 3), p50Ms: p50, p99Ms: p99, targetP99Ms: 500, published: head, delivered, deliveriesPerSecond: Math.round(delivered / publishSeconds), subscribers, behind, errors: errors.length };
}
