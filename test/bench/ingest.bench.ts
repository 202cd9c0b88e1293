import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type CpuFigures, cpuMeter, postmasterOf } from './cpu.ts';
import { benchDatabase, printTable, round } from './harness.ts';
import { populationDataset, rssOf, sendDirect, startServer, syntheticPerson } from './population.ts';

/**
 * `npm run bench -- ingest [-- --records N]`: N (or BENCH_RECORDS, default 1,000,000) population-like records with valid
 * ID-number check characters go through the whole HTTP batch path — API key, Ed25519 signature,
 * contract validation, idempotency, record upsert and event append — into a real `brx serve`
 * child process, from BENCH_CONCURRENCY (default 4) parallel senders in batches of 5,000. The
 * baseline is PostgreSQL COPY of the same rows (key + JSONB) into a plain table, in the same run.
 * Targets: the full path reaches at least 20 % of the COPY rate (25 % ambitious) at no more than
 * 30 µs of PostgreSQL CPU per record, with flat server memory and a rate that does not fall as
 * the tables grow (the rate of each tenth of the run, or of each million for large runs).
 */
const recordsArg = process.argv.indexOf('--records');
const total = Number(recordsArg > 0 ? process.argv[recordsArg + 1] : (process.env.BENCH_RECORDS ?? 1_000_000));
if (!Number.isSafeInteger(total) || total < 1) throw new Error('--records must be a positive whole number');
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const batchSize = 5000;
async function copyBaseline(databaseUrl: string, postmaster: number | null): Promise<{ rate: number } & CpuFigures> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('create table bench_copy (key text, data jsonb)');
  const meter = cpuMeter(process.pid, postmaster);
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
  const cpu = meter.stop(total);
  await client.end();
  return { rate: total / seconds, ...cpu };
}

export async function bench() {
  const database = await benchDatabase();
  const { code, apiKey, keys } = await populationDataset(database.db);

  const postmaster = await postmasterOf(database.db);
  process.stderr.write(`  COPY baseline: ${total.toLocaleString()} rows…\n`);
  const copy = await copyBaseline(database.url, postmaster);
  const copyRate = copy.rate;

  const server = await startServer(database.url);
  const pid = server.child.pid!;
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssOf(pid).rss), 500);
  // the rate of each stretch of the run (a tenth, or a million records for large runs): flat as the tables grow?
  const stretch = total >= 5_000_000 ? 1_000_000 : Math.max(batchSize, Math.ceil(total / 10 / batchSize) * batchSize);
  const stretches: { upTo: number; recordsPerSecond: number }[] = [];
  let mark = { records: 0, at: performance.now() };
  const meter = cpuMeter(pid, postmaster);
  const sent = await sendDirect({
    url: server.url,
    code,
    apiKey,
    privateKey: keys.privateKey,
    total,
    batchSize,
    senders: concurrency,
    progress: (line, done) => {
      if (done - mark.records >= stretch || done === total) {
        const now = performance.now();
        stretches.push({ upTo: done, recordsPerSecond: round(((done - mark.records) * 1000) / (now - mark.at), 0) });
        mark = { records: done, at: now };
      }
      process.stderr.write(`  ingest: ${line}, server RSS ${Math.round(rssOf(pid).rss / 2 ** 20)} MiB\n`);
    },
  });
  const cpu = meter.stop(total);
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
    { path: 'PostgreSQL COPY (key, jsonb) — baseline', 'records/s': round(copyRate, 0), 'server µs/record': '-', 'PostgreSQL µs/record': copy.postgresCpuUs ?? '-' },
    {
      path: `HTTP batches, ${concurrency} senders × ${batchSize} records`,
      'records/s': round(ingestRate, 0),
      'server µs/record': cpu.serverCpuUs ?? '-',
      'PostgreSQL µs/record': cpu.postgresCpuUs ?? '-',
    },
  ]);
  console.log(`\nrecords/s by stretch of the run: ${stretches.map((x) => `≤${x.upTo.toLocaleString()}: ${x.recordsPerSecond.toLocaleString()}`).join(', ')}`);
  console.log(
    `\nserver RSS at 25/50/75/100 % of the run: ${[0.25, 0.5, 0.75, 1].map((q) => mib(quarter(q))).join(' / ')} MiB; peak ${mib(peak)} MiB` +
      `\n${accepted.toLocaleString()} records accepted, ${Number(events.n).toLocaleString()} events, ${failures} failed batches` +
      `\ningest / COPY = ${round(ingestRate / copyRate, 3)} (target ≥ 0.20, 0.25 ambitious); PostgreSQL CPU ${cpu.postgresCpuUs ?? '?'} µs per record (target ≤ 30)`,
  );
  return {
    ratio: round(ingestRate / copyRate, 3),
    target: 0.2,
    records: total,
    ingestRecordsPerSecond: round(ingestRate, 0),
    copyRecordsPerSecond: round(copyRate, 0),
    serverCpuUsPerRecord: cpu.serverCpuUs,
    postgresCpuUsPerRecord: cpu.postgresCpuUs,
    postgresCpuUsPerRecordTarget: 30,
    copyPostgresCpuUsPerRecord: copy.postgresCpuUs,
    recordsPerSecondByStretch: stretches,
    serverPeakRssMiB: mib(peak),
    serverRssQuartilesMiB: [0.25, 0.5, 0.75, 1].map((q) => mib(quarter(q))),
    accepted,
    failures,
  };
}
