import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { batchSignatureHeader, batchSigningMessage } from '../../contracts/batch-signature.ts';
import { draftDataset, publishDataset } from '../../exchange/catalog/datasets.ts';
import type { Db } from '../../exchange/db/database.ts';
import { freePort } from '../../exchange/db/embedded.ts';
import { createDepartment } from '../../exchange/identity/departments.ts';
import { createNode } from '../../exchange/identity/machines.ts';
import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';

/** The population-like data and exchange the ingest and node benchmarks share. */
export const regions = ['360502', '360521', '360503', '360102', '360111'];
const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';

/**
 * Person i: a distinct, valid ID number (birth dates walk from 1940 day by day per region, the
 * sequence number counts the walks), a name, an address.
 */
export function syntheticPerson(i: number) {
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

export const contract = {
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


/** The police bureau, its node (with its signing key) and a published population dataset. */
export async function populationDataset(db: Db) {
  const actor = { actor: { kind: 'platform', name: 'bench' } } as const;
  const keys = generateKeyPairSync('ed25519');
  const { code, apiKey } = await db.transaction().execute(async (trx) => {
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

  return { code, apiKey, keys };
}

export function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export async function startServer(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS: flags for the server's Node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its time goes
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'bin/brx.js', 'serve', '--port', String(port)], {
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


/**
 * Sends persons 0 … total−1 straight to the exchange as a node would without the node: `senders`
 * parallel loops, signed batches of `batchSize`. Progress every 20 batches through `progress`.
 */
export async function sendDirect(options: {
  url: string;
  code: string;
  apiKey: string;
  privateKey: KeyObject;
  total: number;
  batchSize: number;
  senders: number;
  /** called every 20 batches with a line to show and the records answered so far */
  progress: (line: string, recordsDone: number) => void;
}): Promise<{ rate: number; accepted: number; failures: number }> {
  const { url, code, apiKey, privateKey, total, batchSize } = options;
  const batches = Math.ceil(total / batchSize);
  const sourceTime = new Date().toISOString();
  let next = 0;
  let done = 0;
  let accepted = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.senders }, async () => {
      for (;;) {
        const n = next++;
        if (n >= batches) return;
        const records = [];
        for (let i = n * batchSize; i < Math.min((n + 1) * batchSize, total); i++) {
          const data = syntheticPerson(i);
          records.push({ op: 'upsert', key: data.idNumber, data, sourceTime });
        }
        const body = JSON.stringify({ batchId: `bench-${n}`, records });
        const res = await fetch(`${url}/v1/datasets/${code}/batches`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', [batchSignatureHeader]: sign(null, batchSigningMessage(code, Buffer.from(body)), privateKey).toString('base64') },
          body,
        });
        const result = (await res.json()) as { accepted?: number; rejected?: unknown[] };
        if (res.status !== 200 || result.rejected?.length) failures += 1;
        accepted += result.accepted ?? 0;
        if (++done % 20 === 0 || done === batches) {
          const records = Math.min(total, done * batchSize);
          options.progress(`${done}/${batches} batches, ${Math.round(records / ((performance.now() - started) / 1000)).toLocaleString()} records/s`, records);
        }
      }
    }),
  );
  return { rate: total / ((performance.now() - started) / 1000), accepted, failures };
}
