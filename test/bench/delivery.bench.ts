import { deliveryKnobs, deliveryScenario } from './delivery-scenario.ts';
import { printTable, round } from './harness.ts';

/**
 * `npm run bench -- delivery`: BENCH_SUBSCRIBERS (default 20) consuming systems each follow the
 * household dataset with a pull subscription (long poll, ack) from a worker thread, while 公安
 * publishes a steady BENCH_RATE (default 2,000) changed records a second, in batches every
 * 100 ms, for BENCH_SECONDS (default 60), on the PostgreSQL backbone (delivery-scenario.ts).
 * Latency is publish accepted (the batch committed and answered) → the consumer holding the
 * event. Target: p99 ≤ 500 ms and no subscriber behind at the end.
 */
export async function bench() {
  const knobs = deliveryKnobs();
  const { subscribers } = knobs;
  const r = await deliveryScenario(knobs);
  printTable([
    { measure: 'published', value: `${r.published.toLocaleString()} events in ${round(r.publishSeconds, 1)} s (${r.publishedPerSecond.toLocaleString()}/s)` },
    { measure: 'delivered', value: `${r.delivered.toLocaleString()} events to ${subscribers} subscribers (${r.deliveriesPerSecond.toLocaleString()}/s)` },
    { measure: 'latency p50', value: `${r.p50Ms} ms` },
    { measure: 'latency p99', value: `${r.p99Ms} ms (target ≤ 500 ms)` },
    { measure: 'behind at the end', value: `${r.behind} of ${subscribers}` },
    { measure: 'errors', value: String(r.errors.length) },
  ]);
  if (r.errors.length) console.log(`first error: ${r.errors[0]}`);
  return {
    ratio: round(500 / Math.max(r.p99Ms, 1), 3),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    targetP99Ms: 500,
    published: r.published,
    delivered: r.delivered,
    deliveriesPerSecond: r.deliveriesPerSecond,
    subscribers,
    behind: r.behind,
    errors: r.errors.length,
  };
}
