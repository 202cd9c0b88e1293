import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { batchSigningMessage } from '../../contracts/batch-signature.ts';
import { draftDataset, publishDataset } from '../../exchange/catalog/datasets.ts';
import { freePort } from '../../exchange/db/embedded.ts';
import { createDepartment } from '../../exchange/identity/departments.ts';
import { createNode } from '../../exchange/identity/machines.ts';
import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { benchDatabase, printTable, round } from './harness.ts';

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
const regions = ['360502', '360521', '360503', '360102', '360111'];
const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';

/**
 * Person i: a distinct, valid ID number (birth dates walk from 1940 day by day per region, the
 * sequence number counts the walks), a name, an address.
 */
function syntheticPerson(i: number) {
  const region = regions[i % regions.length]!;
  const day = Math.floor(i / regions.length);
  const date = new Date(Date.UTC(1940, 0, 1) + (day % 29_000) * 86_400_000).toISOString().slice(0, 10);
  const idNumber = composeIdNumber(region, date.replace(/-/g, ''), Math.floor(day / 29_000));
  return {
    idNumber,
    name: surnames[i % surnames.length]! + given[(i * 7) % given.length]! + (i % 3 ? given[(i * 13) % given.length]! : ''),
    gender: Number(idNumber[16]) % 2 ? '1' : '2',
    birthDate: date,
    ethnicity: '01',
    householdRegion: region,
    address: `江西省新余市渝水区仙来大道${(i % 999) + 1}号`,
    status: 'living',
  };
}

const contract = {
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['idNumber', 'name', 'gender', 'birthDate', 'status'],
    properties: {
      idNumber: { type: 'string', format: 'cn-id-number' },
      name: { type: 'string', minLength: 1, maxLength: 50 },
      gender: { type: 'string', enum: ['1', '2', '9'] },
      birthDate: { type: 'string', format: 'date' },
      ethnicity: { type: 'string', pattern: '^[0-9]{2}$' },
      householdRegion: { type: 'string', pattern: '^[0-9]{6}$' },
      address: { type: 'string', maxLength: 200 },
      status: { type: 'string', enum: ['living', 'deceased', 'emigrated', 'cancelled'] },
    },
  },
  fields: {
    idNumber: { title: '公民身份号码', sensitivity: 'sensitive-personal', masking: 'id-number', searchable: true },
    name: { title: '姓名', sensitivity: 'personal', masking: 'name', searchable: true },
    gender: { title: '性别', sensitivity: 'personal' },
    birthDate: { title: '出生日期', sensitivity: 'personal' },
    ethnicity: { title: '民族', sensitivity: 'sensitive-personal' },
    householdRegion: { title: '户籍地行政区划', sensitivity: 'personal' },
    address: { title: '户籍地址', sensitivity: 'personal', masking: 'address' },
    status: { title: '人员状态', sensitivity: 'personal' },
  },
} as const;

function batchBody(n: number, from: number, sourceTime: string): string {
  const records = [];
  for (let i = from; i < Math.min(from + batchSize, total); i++) {
    const data = syntheticPerson(i);
    records.push({ op: 'upsert', key: data.idNumber, data, sourceTime });
  }
  return JSON.stringify({ batchId: `bench-${n}`, records });
}

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function startServer(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/brx.js', 'serve', '--port', String(port)], {
    env: { ...process.env, DATABASE_URL: databaseUrl, BRX_LOG_LEVEL: 'warn', BRX_ADMIN_PASSWORD: 'bench-admin-password' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('brx serve did not become ready');
}

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
  const actor = { actor: { kind: 'platform', name: 'bench' } } as const;
  const keys = generateKeyPairSync('ed25519');
  const { code, apiKey } = await database.db.transaction().execute(async (trx) => {
    const police = await createDepartment(trx, { code: composeUscc('1', '1', '360500', '01428302'), name: '新余市公安局', level: 'city', regionCode: '360500' }, actor);
    const node = await createNode(trx, police.id, { name: 'bench-node', publicKey: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() }, actor);
    const code = await draftDataset(
      trx,
      {
        name: '人口基本信息（基准测试）',
        providerDepartmentId: police.id,
        class: 'base',
        sharingType: 'conditional',
        openType: 'closed',
        exchangeModes: ['pull', 'subscribe'],
        updateCycle: 'realtime',
        keyField: 'idNumber',
        contract: structuredClone(contract) as never,
      },
      actor,
    );
    await publishDataset(trx, code, actor);
    return { code, apiKey: node.apiKey };
  });

  process.stderr.write(`  COPY baseline: ${total.toLocaleString()} rows…\n`);
  const copyRate = await copyBaseline(database.url);

  const server = await startServer(database.url);
  const pid = server.child.pid!;
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssOf(pid).rss), 500);
  const batches = Math.ceil(total / batchSize);
  const sourceTime = new Date().toISOString();
  let next = 0;
  let done = 0;
  let accepted = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const n = next++;
        if (n >= batches) return;
        const body = batchBody(n, n * batchSize, sourceTime);
        const signature = sign(null, batchSigningMessage(code, Buffer.from(body)), keys.privateKey as KeyObject).toString('base64');
        const res = await fetch(`${server.url}/v1/datasets/${code}/batches`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-brx-signature': signature },
          body,
        });
        const result = (await res.json()) as { accepted?: number; rejected?: unknown[] };
        if (res.status !== 200 || result.rejected?.length) failures += 1;
        accepted += result.accepted ?? 0;
        done += 1;
        if (done % 20 === 0 || done === batches) {
          const rate = (done * batchSize) / ((performance.now() - started) / 1000);
          process.stderr.write(`  ingest: ${done}/${batches} batches, ${Math.round(rate).toLocaleString()} records/s, server RSS ${Math.round(rssOf(pid).rss / 2 ** 20)} MiB\n`);
        }
      }
    }),
  );
  const ingestRate = total / ((performance.now() - started) / 1000);
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
