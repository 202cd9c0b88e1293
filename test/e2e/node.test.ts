import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { freePort } from '../../exchange/db/embedded.ts';
import { idOf, personOf } from '../bench/household.ts';
import { onFileEnd } from '../support/database.ts';
import { startNode, storedKeys, until } from '../support/node.ts';
import { brxHome, connectHome, type DemoCredentials, demoCredentials, type Served, serve } from '../support/serve.ts';

/**
 * The front-end node as a department runs it: `brx node run --config node.yaml` as its own
 * process, taking files from a drop folder into its spool and sending them to a real exchange
 * (`brx serve` on the embedded default).
 */
let home: string;
let brx: Served;
let demo: DemoCredentials;
let dir: string;
let port: number;
let listenPort: number;
const intakeKey = 'intake-key-of-the-户籍-system'.replace(/[^\x20-\x7e]/g, 'x');

const people = (from: number, count: number) => Array.from({ length: count }, (_, i) => personOf(from + i));
const csvLine = (p: Record<string, unknown>) => [p.idNumber, ` ${p.name} `, p.gender === '1' ? '男' : '女', String(p.birthDate).replace(/-/g, '')].join(',');

const stored = (keys: string[]) => storedKeys(home, demo.dataset, keys);
const runNode = () => startNode(path.join(dir, 'node.yaml'));

before(async () => {
  home = await brxHome();
  port = await freePort();
  brx = await serve(home, {}, { port });
  demo = await demoCredentials(home);
  dir = path.join(home, 'node');
  await mkdir(path.join(dir, 'drop'), { recursive: true });
  await writeFile(path.join(dir, 'api-key'), demo.node.apiKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'node-key.pem'), demo.node.privateKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'intake-key'), intakeKey, { mode: 0o600 });
  listenPort = await freePort();
  const mapping = `    mapping:
      fields:
        idNumber: { from: 身份证号, transforms: [trim, upper] }
        name: { from: 姓名, transforms: [trim] }
        gender: { from: 性别, transforms: [{ codes: { 男: "1", 女: "2" } }] }
        birthDate: { from: 出生日期, transforms: [{ date: YYYYMMDD }] }
`;
  await writeFile(
    path.join(dir, 'node.yaml'),
    `# the police bureau's node: household data from the 户籍 system's nightly export
exchange:
  url: http://127.0.0.1:${port}
  apiKeyFile: api-key
  privateKeyFile: node-key.pem
spool: spool.db
listen: { port: ${listenPort}, apiKeyFile: intake-key }
jobs:
  - name: households
    dataset: ${demo.dataset}
    batchSize: 100
    recordsPerSecond: 1500
    source:
      kind: file-drop
      folder: drop
${mapping}  # the 户籍 counter system pushes each registration as it happens
  - name: counter
    dataset: ${demo.dataset}
    source: { kind: http-intake }
${mapping}`,
  );
});

describe('brx node', () => {
  it('check: reaches the exchange, fetches each job\'s contract, and says what it found', () => {
    const check = spawnSync(process.execPath, ['bin/brx.js', 'node', 'check', '--config', path.join(dir, 'node.yaml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`job households: dataset ${demo.dataset}, contract \\d+\\.\\d+, key idNumber`));
  });

  it('takes a GBK CSV in: good rows reach the exchange, every bad row is in the report beside the file', async () => {
    const good = people(20_000, 3);
    const badCheck = { ...personOf(20_010), idNumber: `${idOf(20_010).slice(0, 17)}${idOf(20_010).endsWith('0') ? '1' : '0'}` };
    const lines = ['身份证号,姓名,性别,出生日期', csvLine(good[0]!), csvLine(badCheck), csvLine(good[1]!), `${idOf(20_011)},王五,未知,19900101`, csvLine(good[2]!)];
    await writeFile(path.join(dir, 'drop', '户籍20261203.csv'), iconv.encode(`${lines.join('\r\n')}\r\n`, 'gbk'));
    const node = runNode();
    await until('the file is settled', () => existsSync(path.join(dir, 'drop', 'failed', '户籍20261203.csv.errors.csv')));
    const report = (await readFile(path.join(dir, 'drop', 'failed', '户籍20261203.csv.errors.csv'), 'utf8')).replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(report[0], 'row,field,problem');
    assert.match(report[1]!, /^2,\/idNumber,is not a valid cn-id-number$/);
    assert.equal(report[2], '4,/gender,"""未知"" is not in the code table (男, 女)"');
    assert.equal(report.length, 3, 'exactly the two bad rows');
    await until('the good rows are in the exchange', async () => (await stored(good.map((p) => String(p.idNumber)))).records === 3);
    const c = await connectHome(home);
    const { rows } = await c.query(`select data from records where key = $1`, [good[0]!.idNumber]);
    await c.end();
    assert.deepEqual(rows[0].data, { idNumber: good[0]!.idNumber, name: good[0]!.name, gender: good[0]!.gender, birthDate: good[0]!.birthDate });
    assert.doesNotMatch(node.output(), new RegExp(String(good[0]!.idNumber)), 'no ID number in the node’s log');
    node.child.kill('SIGTERM');
    await node.exited;
  });

  it('takes a JSON array file element by element, and pushes from the business system answered row by row', async () => {
    const [a, b, c] = people(60_000, 3);
    const asRow = (p: Record<string, unknown>) => ({ 身份证号: p.idNumber, 姓名: p.name, 性别: p.gender === '1' ? '男' : '女', 出生日期: String(p.birthDate).replace(/-/g, '') });
    await writeFile(path.join(dir, 'drop', 'array.json'), JSON.stringify([asRow(a!), asRow(b!), 'not a row']));
    const node = runNode();
    await until('the JSON file is settled', () => existsSync(path.join(dir, 'drop', 'failed', 'array.json.errors.csv')), 60, node);
    const report = (await readFile(path.join(dir, 'drop', 'failed', 'array.json.errors.csv'), 'utf8')).replace(/^\uFEFF/, '').trim().split('\n');
    assert.deepEqual(report, ['row,field,problem', '3,/,is not a JSON object']);
    const push = (body: unknown, key = intakeKey) =>
      fetch(`http://127.0.0.1:${listenPort}/push/counter`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await until('the intake is ready', async () => (await push([])).status === 200, 60, node);
    assert.equal((await push([asRow(c!)], 'wrong-key')).status, 401);
    const notPushed = await fetch(`http://127.0.0.1:${listenPort}/push/households`, { method: 'POST', headers: { authorization: `Bearer ${intakeKey}` }, body: '[]' });
    assert.equal(notPushed.status, 404, 'a job that reads files takes no pushes: no point trying again');
    const answer = await push([asRow(c!), { ...asRow(c!), 出生日期: '1990-13-45' }]);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { accepted: 1, rejected: [{ row: 2, field: '/birthDate', problem: '"1990-13-45" is not a date laid out as YYYYMMDD' }] });
    await until('the file rows and the pushed row are in the exchange', async () => (await stored([a!, b!, c!].map((p) => String(p.idNumber)))).records === 3, 60, node);
    const metrics = await (await fetch(`http://127.0.0.1:${listenPort}/metrics`)).text();
    assert.match(metrics, /^brx_node_rows_rejected_total\{job="counter"\} 1$/m);
    await node.stop();
  });

  it('a job refused for good stops the node with exit code 1, saying why (its supervisor restarts it, its admin sees it)', async () => {
    await writeFile(path.join(dir, 'db-url'), 'postgres://127.0.0.1:1/none', { mode: 0o600 });
    await writeFile(
      path.join(dir, 'refused.yaml'),
      `exchange: { url: "http://127.0.0.1:${port}", apiKeyFile: api-key, privateKeyFile: node-key.pem }
spool: refused.db
receive:
  - { name: not-ours, dataset: ${demo.dataset}, system: 8f1f2c3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f, target: { kind: postgres, urlFile: db-url, table: t } }
`,
    );
    const node = startNode(path.join(dir, 'refused.yaml'));
    await node.exited;
    assert.equal(node.child.exitCode, 1, node.output());
    assert.match(node.output(), /"msg":"job failed; the node stops","job":"not-ours","error":"the exchange refused \(403\)/);
  });

  it('killed (-9) while sending, then started again: each record reaches the exchange exactly once', async () => {
    const batch = people(30_000, 3_000);
    const csv = ['身份证号,姓名,性别,出生日期', ...batch.map(csvLine)].join('\n');
    await writeFile(path.join(dir, 'drop', 'big.csv'), csv);
    const keys = batch.map((p) => String(p.idNumber));
    const first = runNode();
    await until('sending has begun', async () => (await stored(keys)).records > 0);
    first.child.kill('SIGKILL');
    await first.exited;
    const sent = (await stored(keys)).records;
    assert.ok(sent < keys.length, `killed part-way (${sent} of ${keys.length} sent)`);
    const second = runNode();
    await until('every record arrived', async () => (await stored(keys)).records === keys.length, 120);
    assert.deepEqual(await stored(keys), { records: keys.length, events: keys.length }, 'one change event per record: nothing applied twice');
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('keeps taking files in while the exchange is down, and drains its spool when it is back', async () => {
    const node = runNode();
    // the node has its contract (it checks rows against it) before the exchange goes away
    await until('the job has started', () => node.output().includes('job started'));
    assert.equal(await brx.stop(), 0);
    const later = people(40_000, 20);
    await writeFile(path.join(dir, 'drop', 'during-outage.ndjson'), later.map((p) => JSON.stringify({ 身份证号: p.idNumber, 姓名: p.name, 性别: p.gender === '1' ? '男' : '女', 出生日期: String(p.birthDate).replace(/-/g, '') })).join('\n'));
    await until('taken in while the exchange is down', () => existsSync(path.join(dir, 'drop', 'done', 'during-outage.ndjson')));
    brx = await serve(home, {}, { port });
    await until('the spool drained', async () => (await stored(later.map((p) => String(p.idNumber)))).records === later.length, 120);
    node.child.kill('SIGTERM');
    await node.exited;
  });

  it('started while the exchange is down, goes on with the contract it kept', async () => {
    assert.equal(await brx.stop(), 0);
    const node = runNode();
    await until('the node works from its kept contract', () => node.output().includes('contract kept from before'));
    const more = people(50_000, 5);
    await writeFile(path.join(dir, 'drop', 'offline.csv'), ['身份证号,姓名,性别,出生日期', ...more.map(csvLine)].join('\n'));
    await until('taken in without the exchange', () => existsSync(path.join(dir, 'drop', 'done', 'offline.csv')));
    brx = await serve(home, {}, { port });
    await until('the spool drained', async () => (await stored(more.map((p) => String(p.idNumber)))).records === more.length, 120);
    node.child.kill('SIGTERM');
    await node.exited;
  });
});

onFileEnd(async () => {
  if (brx?.child.exitCode === null) await brx.stop();
});
