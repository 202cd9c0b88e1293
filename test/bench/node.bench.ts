import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { contractCheck } from '../../adapters/node/contract.ts';
import { mapRow } from '../../adapters/node/mapping.ts';
import { readRows } from '../../adapters/sources/file-drop.ts';
import type { Dataset } from '../../contracts/generated/api.ts';
import { benchDatabase, printTable, round } from './harness.ts';
import { contract, populationDataset, rssOf, sendDirect, startServer, syntheticPerson } from './population.ts';

/**
 * `npm run bench -- node`: the front-end node back-filling BENCH_RECORDS (default 1,000,000) rows
 * of a department's PostgreSQL table into an exchange on the same machine, end to end (read,
 * map, validate, spool, sign, gzip, send, accepted), next to the exchange's own ingest of as many
 * other records sent directly (4 senders × 5,000, as `bench -- ingest` does) in the same run.
 * Target: the node reaches at least 50 % of the direct rate with a peak RSS of at most 300 MB.
 * Then a BENCH_CSV_MB (default 1024) CSV file through the node's file reader, mapping and
 * contract check: RSS must stay flat whatever the file's size.
 */
const total = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const csvMegabytes = Number(process.env.BENCH_CSV_MB ?? 1024);
const batchSize = 5000;
const senders = 4;
const ticksPerSecond = 100;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 0);

/** The department's 户籍 table: rows total … 2·total (other people than the direct run's). */
async function fillDepartmentTable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create table rkxx (id bigint primary key, sfzh text not null, xm text not null, xb text not null, csrq date not null,
                       mz text, hjd text, dz text, zt text not null, gxsj timestamptz not null default now())`);
  async function* rows() {
    for (let i = total; i < 2 * total; i += 5000) {
      let chunk = '';
      for (let j = i; j < Math.min(i + 5000, 2 * total); j++) {
        const p = syntheticPerson(j);
        chunk += `${j}\t${p.idNumber}\t${p.name}\t${p.gender}\t${p.birthDate}\t${p.ethnicity}\t${p.householdRegion}\t${p.address}\t${p.status}\n`;
      }
      yield chunk;
    }
  }
  process.stderr.write(`  filling the department's table with ${total.toLocaleString()} rows (COPY)…\n`);
  await pipeline(Readable.from(rows()), client.query(copyFrom('copy rkxx (id, sfzh, xm, xb, csrq, mz, hjd, dz, zt) from stdin')));
  await client.end();
}

async function throughTheNode(exchange: string, code: string, apiKey: string, privateKey: string, sourceUrl: string, count: () => Promise<number>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-bench-node-'));
  await writeFile(path.join(dir, 'api-key'), apiKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'node-key.pem'), privateKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'db-url'), sourceUrl, { mode: 0o600 });
  await writeFile(
    path.join(dir, 'node.yaml'),
    `exchange: { url: "${exchange}", apiKeyFile: api-key, privateKeyFile: node-key.pem }
jobs:
  - name: rkxx
    dataset: ${code}
    batchSize: ${batchSize}
    sendConcurrency: ${senders}
    source: { kind: postgres, urlFile: db-url, table: rkxx, key: id, watermark: { column: gxsj } }
    mapping:
      fields:
        idNumber: { from: sfzh }
        name: { from: xm }
        gender: { from: xb }
        birthDate: { from: csrq }
        ethnicity: { from: mz }
        householdRegion: { from: hjd }
        address: { from: dz }
        status: { from: zt }
`,
  );
  const before = await count();
  // as the README's unit runs it: with the V8 heap capped (BENCH_NODE_HEAP_MB=0 for V8's default)
  const heap = Number(process.env.BENCH_NODE_HEAP_MB ?? 128);
  const flags = heap > 0 ? [`--max-old-space-size=${heap}`] : [];
  const child = spawn(process.execPath, [...flags, 'bin/brx.js', 'node', 'run', '--config', path.join(dir, 'node.yaml')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid!;
  const started = performance.now();
  let arrived = 0;
  let lastReport = 0;
  while (arrived < total) {
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode})`);
    arrived = (await count()) - before;
    if (performance.now() - lastReport > 5000 || arrived >= total) {
      lastReport = performance.now();
      process.stderr.write(`  through the node: ${arrived.toLocaleString()}/${total.toLocaleString()} records in the exchange, ${Math.round(arrived / ((performance.now() - started) / 1000)).toLocaleString()} records/s, node RSS ${mib(rssOf(pid).rss)} MiB\n`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const { peak } = rssOf(pid);
  const cpu = cpuSeconds(pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(dir, { recursive: true, force: true });
  return { rate: total / seconds, peak, cpuMicrosPerRecord: (cpu / total) * 1e6 };
}

/** A CSV of `megabytes` through the reader, mapping and contract check, sampling RSS as it goes. */
async function csvInConstantMemory(megabytes: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-bench-csv-'));
  const file = path.join(dir, 'rkxx.csv');
  const out = createWriteStream(file);
  out.write('身份证号,姓名,性别,出生日期,民族,户籍地,住址,状态\n');
  let written = 0;
  for (let i = 0; written < megabytes * 2 ** 20; i++) {
    const p = syntheticPerson(i % 5_000_000);
    const line = `${p.idNumber},${p.name},${p.gender},${p.birthDate},${p.ethnicity},${p.householdRegion},${p.address},${p.status}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    if (i % 2_000_000 === 0) process.stderr.write(`  writing a ${megabytes} MB CSV: ${mib(written)} MiB…\n`);
  }
  await new Promise<void>((r) => out.end(() => r()));
  const size = (await stat(file)).size;
  const check = contractCheck({ code: 'bench', keyField: 'idNumber', contract: { version: '1.0', schema: contract.schema } } as unknown as Dataset);
  const fields = Object.fromEntries(
    Object.entries({ idNumber: '身份证号', name: '姓名', gender: '性别', birthDate: '出生日期', ethnicity: '民族', householdRegion: '户籍地', address: '住址', status: '状态' }).map(([f, c]) => [f, { from: c }]),
  );
  const samples: number[] = [process.memoryUsage().rss];
  const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 250);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let rows = 0;
  let bad = 0;
  for await (const { row } of readRows({ name: 'rkxx.csv', path: file, format: 'csv', fingerprint: 'bench' }, { kind: 'file-drop', folder: dir })) {
    rows += 1;
    const { mapped } = row ? mapRow(row, { fields }) : { mapped: null };
    if (!mapped || check.check(mapped.data).length) bad += 1;
    if (rows % 2_000_000 === 0) process.stderr.write(`  reading the CSV: ${rows.toLocaleString()} rows, RSS ${mib(process.memoryUsage().rss)} MiB\n`);
  }
  clearInterval(sampler);
  samples.push(process.memoryUsage().rss);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await rm(dir, { recursive: true, force: true });
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))] ?? 0;
  return { size, rows, bad, rate: rows / seconds, cpuMicrosPerRow: (cpu.user + cpu.system) / rows, rss: [0.1, 0.25, 0.5, 0.75, 1].map((q) => mib(at(q))), peak: mib(Math.max(0, ...samples)) };
}

export async function bench() {
  const database = await benchDatabase();
  const { code, apiKey, keys } = await populationDataset(database.db);
  const privateKey = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const server = await startServer(database.url);
  const count = async () => Number((await database.db.selectFrom('records').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  try {
    process.stderr.write(`  direct ingest: ${total.toLocaleString()} records, ${senders} senders × ${batchSize}…\n`);
    const directCpuStart = cpuSeconds(server.child.pid!);
    const baseline = await sendDirect({
      url: server.url,
      code,
      apiKey,
      privateKey: keys.privateKey,
      total,
      batchSize,
      senders,
      progress: (line) => process.stderr.write(`  direct ingest: ${line}\n`),
    });
    const directServerCpu = cpuSeconds(server.child.pid!) - directCpuStart;
    const sourceUrl = database.url.replace(/\/[^/?]+(\?|$)/, '/brx_bench_dept$1');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('drop database if exists brx_bench_dept');
    await admin.query('create database brx_bench_dept');
    await admin.end();
    await fillDepartmentTable(sourceUrl);
    const nodeCpuStart = cpuSeconds(server.child.pid!);
    const node = await throughTheNode(server.url, code, apiKey, privateKey, sourceUrl, count);
    const nodeServerCpu = cpuSeconds(server.child.pid!) - nodeCpuStart;
    const csv = await csvInConstantMemory(csvMegabytes);
    printTable([
      { path: `direct ingest, ${senders} senders × ${batchSize} — baseline`, 'records/s': round(baseline.rate, 0), 'exchange CPU µs/record': round((directServerCpu / total) * 1e6, 1), 'node CPU µs/record': '—', 'node peak RSS MiB': '—' },
      {
        path: 'PostgreSQL table → node → exchange',
        'records/s': round(node.rate, 0),
        'exchange CPU µs/record': round((nodeServerCpu / total) * 1e6, 1),
        'node CPU µs/record': round(node.cpuMicrosPerRecord, 1),
        'node peak RSS MiB': mib(node.peak),
      },
    ]);
    console.log(
      `\nnode / direct = ${round(node.rate / baseline.rate, 3)} (target ≥ 0.5); node peak RSS ${mib(node.peak)} MiB (target ≤ 300)` +
        `\nCSV ${mib(csv.size)} MiB, ${csv.rows.toLocaleString()} rows (${csv.bad} bad) read, mapped and checked at ${Math.round(csv.rate).toLocaleString()} rows/s, ${round(csv.cpuMicrosPerRow, 1)} µs CPU/row;` +
        ` RSS at 10/25/50/75/100 % of the file: ${csv.rss.join(' / ')} MiB, peak ${csv.peak} MiB`,
    );
    return {
      ratio: round(node.rate / baseline.rate, 3),
      target: 0.5,
      records: total,
      nodeRecordsPerSecond: round(node.rate, 0),
      directRecordsPerSecond: round(baseline.rate, 0),
      nodePeakRssMiB: mib(node.peak),
      nodeCpuMicrosPerRecord: round(node.cpuMicrosPerRecord, 1),
      csvMiB: mib(csv.size),
      csvRows: csv.rows,
      csvRssMiB: csv.rss,
      csvPeakRssMiB: csv.peak,
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await database.close();
  }
}
