import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { benchDatabase, printTable, round } from './harness.ts';
import { populationDataset, rssOf, sendDirect, startServer, syntheticPerson } from './population.ts';

/**
 * `npm run bench -- ingest`: BENCH_RECORDS (default 1,000,000) population-like records with valid
 * ID-number check characters go through the whole HTTP batch path — API key, Ed25519 signature,
 * contract validation, idempotency, record upsert and event append — into a real `brx serve`
 * child process, from BENCH_CONCURRENCY (default 4) parallel senders in batches of 5,000. The
 * baseline is PostgreSQL COPY of the same rows (key + JSONB) into a plain table, in the same run.
 * Target: the full path reaches at least 25 % of the COPY rate, with flat server memory.
 */
const total = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const batchSize = 5000;
async function copyBaseline(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('create table bench_copy (key text, data jsonb)');
  const started = performance.now();
  const copyText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  async function* rows() {
    for (let i = 0; i < total; i += 1000) {
      let chunk = '';
      for (let j = i; j < Math.min(i + 1000, total); j++) {
        const p = syntheticPerson(j);
        chunk += `${p.idNumber}\t${copyText(JSON.stringify(p))}\n`;
      }
      yield chunk;
    }
  }
  await pipeline(Readable.from(rows()), client.query(copyFrom('copy bench_copy (key, data) from stdin')));
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return total / seconds;
}

export async function bench() {
  const database = await benchDatabase();
  const { code, apiKey, keys } = await populationDataset(database.db);

  process.stderr.write(`  COPY baseline: ${total.toLocaleString()} rows…\n`);
  const copyRate = await copyBaseline(database.url);

  const server = await startServer(database.url);
  const pid = server.child.pid!;
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssOf(pid).rss), 500);
  const sent = await sendDirect({
    url: server.url,
    code,
    apiKey,
    privateKey: keys.privateKey,
    total,
    batchSize,
    senders: concurrency,
    progress: (line) => process.stderr.write(`  ingest: ${line}, server RSS ${Math.round(rssOf(pid).rss / 2 ** 20)} MiB\n`),
  });
  const { accepted, failures } = sent;
  const ingestRate = sent.rate;
  clearInterval(sampler);
  const { peak } = rssOf(pid);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  const events = await database.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  await database.close();

  const quarter = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))] ?? 0;
  const mib = (b: number) => round(b / 2 ** 20, 0);
  printTable([
    { path: 'PostgreSQL COPY (key, jsonb) — baseline', 'records/s': round(copyRate, 0) },
    { path: `HTTP batches, ${concurrency} senders × ${batchSize} records`, 'records/s': round(ingestRate, 0) },
  ]);
  console.log(
    `\nserver RSS at 25/50/75/100 % of the run: ${[0.25, 0.5, 0.75, 1].map((q) => mib(quarter(q))).join(' / ')} MiB; peak ${mib(peak)} MiB` +
      `\n${accepted.toLocaleString()} records accepted, ${Number(events.n).toLocaleString()} events, ${failures} failed batches` +
      `\ningest / COPY = ${round(ingestRate / copyRate, 3)} (target ≥ 0.25)`,
  );
  return {
    ratio: round(ingestRate / copyRate, 3),
    target: 0.25,
    records: total,
    ingestRecordsPerSecond: round(ingestRate, 0),
    copyRecordsPerSecond: round(copyRate, 0),
    serverPeakRssMiB: mib(peak),
    serverRssQuartilesMiB: [0.25, 0.5, 0.75, 1].map((q) => mib(quarter(q))),
    accepted,
    failures,
  };
}
