import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, it } from 'node:test';
import { freePort } from '../../exchange/db/embedded.ts';
import { idOf } from '../bench/household.ts';
import { onFileEnd } from '../support/database.ts';
import { createSourceTable, type DeptDb, env, insertPeople, mariadbDept, nodeFiles, postgresDept, row } from '../support/dept-db.ts';
import { startNode, storedKeys, until } from '../support/node.ts';
import { connectHome } from '../support/serve.ts';

/**
 * The police node publishing its 户籍 table incrementally (the same story for PostgreSQL and
 * MariaDB: node-postgres.test.ts, node-mariadb.test.ts).
 */
/** Each database publishes other people (`base` apart), so each run's counts are its own. */
export function publishingScenario(kind: 'postgres' | 'mysql', base: number) {
  let db: DeptDb;
  let config: string;
  const keys: string[] = [];
  const stored = (k: readonly string[]) => storedKeys(env.home, env.demo.dataset, k);
  let listenPort: number;

  before(async () => {
    db = kind === 'postgres' ? await postgresDept() : await mariadbDept();
    onFileEnd(() => db.close());
    await createSourceTable(db);
    // the machine's MariaDB outlives the run: leave nothing behind
    onFileEnd(() => db.exec(`drop table if exists ${db.table}`));
    listenPort = await freePort();
    config = await nodeFiles(
      `police-node-${kind}`,
      () => `exchange: { url: "${env.brx.url}", apiKeyFile: api-key, privateKeyFile: node-key.pem }
listen: { port: ${listenPort} }
heartbeatSeconds: 5
jobs:
  - name: households
    dataset: ${env.demo.dataset}
    batchSize: 250
    recordsPerSecond: 3000
    source:
      kind: ${kind}
      urlFile: db-url
      table: ${db.table}
      key: id
      watermark: { column: gxsj, lateCommitSeconds: 0 }
      pollSeconds: 1
      chunkRows: 500
    mapping:
      fields:
        idNumber: { from: sfzh, transforms: [trim, upper] }
        name: { from: xm }
        gender: { from: xb, transforms: [{ codes: { 男: "1", 女: "2" } }] }
        birthDate: { from: csrq }
      deleteWhen: { field: scbz, values: ["1"] }
${kind === 'postgres' ? '      sourceTimeField: gxsj\n' : ''}`,
      env.demo.node,
      db,
    );
  });

  it('check: connects to the table and fetches the contract', () => {
    const check = spawnSync(process.execPath, ['bin/brx.js', 'node', 'check', '--config', config], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`job households: dataset ${env.demo.dataset}, contract [\\d.]+, key idNumber, rows of ${db.table} in ${kind === 'postgres' ? 'postgres' : 'mysql'}://`));
    const password = new URL(db.url).password;
    assert.ok(!password || !check.stdout.includes(password), 'no password in what check prints');
  });

  it('back-fills the table in key order, killed (-9) part-way and started again: each row arrives once, bad rows are listed and never sent', async () => {
    keys.push(...(await insertPeople(db, base + 100_000, 5_000)));
    const bad = idOf(base + 105_000);
    await db.exec(`insert into ${db.table} (sfzh, xm, xb, csrq) values (?, ?, ?, ?)`, [`${bad.slice(0, 17)}${bad.endsWith('0') ? '1' : '0'}`, '错号', '男', '1990-01-01']);
    const first = startNode(config);
    await until('sending has begun', async () => (await stored(keys)).records > 0, 60, first);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok((await stored(keys)).records < keys.length, 'killed part-way');
    const second = startNode(config);
    await until('every good row arrived', async () => (await stored(keys)).records === keys.length, 120, second);
    assert.deepEqual(await stored(keys), { records: keys.length, events: keys.length }, 'one change event per row: nothing applied twice');
    assert.doesNotMatch(second.output(), /back-fill begins/, 'the second run went on from the spooled position');
    await second.stop();
    const status = spawnSync(process.execPath, ['bin/brx.js', 'node', 'status', '--config', config], { encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /households: the latest rows not sent/);
    assert.match(status.stdout, /key 5001 {2}\/idNumber {2}is not a valid cn-id-number/);
    assert.doesNotMatch(second.output(), new RegExp(keys[0]!), 'no ID number in the node’s log');
  });

  it('sends changes, soft deletes and rows sharing one watermark value, and does not skip a transaction that commits late', async () => {
    const node = startNode(config);
    const polls = async () => {
      const text = await (await fetch(`http://127.0.0.1:${listenPort}/metrics`).catch(() => null))?.text();
      return Number(/^brx_node_source_polls_total\{job="households"\} (\d+)/m.exec(text ?? '')?.[1] ?? 0);
    };
    await until('the node polls its table', async () => (await polls()) > 0, 60, node);
    // two renamed, one deleted (删除标志), one new
    await db.exec(`update ${db.table} set xm = ?, gxsj = ${kind === 'postgres' ? 'now()' : 'current_timestamp(6)'} where sfzh in (?, ?)`, ['改名', keys[1], keys[2]]);
    await db.exec(`update ${db.table} set scbz = 1, gxsj = ${kind === 'postgres' ? 'now()' : 'current_timestamp(6)'} where sfzh = ?`, [keys[3]]);
    const added = await insertPeople(db, base + 110_000, 1);
    // 1,200 rows stamped with one time: chunks of 500 end inside the tie
    const [{ t }] = (await db.exec(kind === 'postgres' ? `select now()::text as t` : `select cast(current_timestamp(6) as char) as t`)) as [{ t: string }];
    const tied = await insertPeople(db, base + 120_000, 1_200, t);
    await until('changes, the delete, the new row and every tied row arrived', async () => {
      const c = await connectHome(env.home);
      const { rows } = await c.query(`select key, data->>'name' as name, deleted from records r join datasets d on d.id = r.dataset_id where d.code = $1 and key = any($2)`, [
        env.demo.dataset,
        [keys[1], keys[2], keys[3]],
      ]);
      await c.end();
      const byKey = new Map(rows.map((r) => [r.key, r]));
      return (
        byKey.get(keys[1])?.name === '改名' &&
        byKey.get(keys[2])?.name === '改名' &&
        byKey.get(keys[3])?.deleted === true &&
        (await stored(added)).records === 1 &&
        (await stored(tied)).records === tied.length
      );
    }, 60, node);
    // a transaction stamps its row, then waits; a later row commits first
    const late = await db.openTransaction();
    await late.exec(`insert into ${db.table} (sfzh, xm, xb, csrq) values (?, ?, ?, ?)`, [...row(base + 130_000)]);
    const [early] = await insertPeople(db, base + 130_001, 1);
    const seen = await polls();
    await until('the node has polled twice since', async () => (await polls()) >= seen + 2);
    assert.equal((await stored([early!])).records, 0, 'rows after the open transaction wait for it');
    await late.commit();
    await until('both rows arrived, the late one included', async () => (await stored([idOf(base + 130_000), early!])).records === 2);
    await node.stop();
    keys.push(...added, ...tied, idOf(base + 130_000), early!);
  });

  it('reports its state to the exchange: the department admin sees the node online with its jobs', async () => {
    const login = await fetch(`${env.brx.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: env.demo.people.police!.username, password: env.demo.people.police!.password }) });
    const { token } = (await login.json()) as { token: string };
    const status = async () => {
      const res = await fetch(`${env.brx.url}/v1/nodes/${env.demo.node.id}/status`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      return (await res.json()) as {
        online: boolean;
        report: { startedAt: string; jobs: { name: string; kind: string; state: string; spoolDepth: number; lastSuccessAt: string | null }[] } | null;
      };
    };
    const before = (await status()).report?.startedAt;
    const node = startNode(config);
    await until('a heartbeat of this run with the job running', async () => {
      const s = await status();
      return s.report?.startedAt !== before && s.report?.jobs[0]?.state === 'running';
    });
    const seen = await status();
    assert.equal(seen.online, true);
    assert.equal(seen.report!.jobs[0]!.kind, kind);
    assert.equal(seen.report!.jobs[0]!.spoolDepth, 0);
    await node.stop();
  });
}