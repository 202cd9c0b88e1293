import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { personOf } from '../bench/household.ts';
import { onFileEnd } from '../support/database.ts';
import { env, mariadbDept, mariadbMissing, nodeFiles, postgresDept, withDeptExchange } from '../support/dept-db.ts';
import { startNode, until } from '../support/node.ts';
import { connectHome, publish } from '../support/serve.ts';

withDeptExchange();
const suffix = `${process.pid}`;

describe('receiving: the human-resources node writes what its system is granted into its own tables', () => {
  let hrssNode: { apiKey: string; privateKey: string };

  before(async () => {
    // the hrss department's admin registers its node; the system holds a grant like an approved request gives
    const login = await fetch(`${env.brx.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: env.demo.people.hrss!.username, password: env.demo.people.hrss!.password }) });
    const { token } = (await login.json()) as { token: string };
    const keys = generateKeyPairSync('ed25519');
    const created = await fetch(`${env.brx.url}/v1/departments/${env.demo.departments.hrss}/nodes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hrss-node-1', publicKey: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    hrssNode = { apiKey: ((await created.json()) as { apiKey: string }).apiKey, privateKey: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
    const c = await connectHome(env.home);
    await c.query(
      `insert into grants (system_id, dataset_id, fields, modes, purpose, valid_from)
       select $1, id, '{idNumber,name,gender}', '{subscribe,file}', '社会保险参保登记', now() from datasets where code = $2`,
      [env.demo.system.id, env.demo.dataset],
    );
    await c.end();
    // what the police bureau has published: 1,000 people
    for (let b = 0; b < 2; b++) {
      const records = Array.from({ length: 500 }, (_, i) => ({ op: 'upsert', key: String(personOf(b * 500 + i).idNumber), data: personOf(b * 500 + i), sourceTime: new Date().toISOString() }));
      const res = await publish(env.brx.url, env.demo.node, env.demo.dataset, { batchId: `seed-${b}`, records });
      assert.equal(res.status, 200, await res.text());
    }
  });

  async function receiveInto(kind: 'postgres' | 'mysql') {
    const db = kind === 'postgres' ? await postgresDept() : await mariadbDept();
    onFileEnd(() => db.close());
    const table = `sb_cbry_${kind}_${suffix}`;
    onFileEnd(() => db.exec(`drop table if exists ${table}`));
    const config = await nodeFiles(
      `hrss-node-${kind}`,
      () => `exchange: { url: "${env.brx.url}", apiKeyFile: api-key, privateKeyFile: node-key.pem }
receive:
  - name: households-in
    dataset: ${env.demo.dataset}
    system: ${env.demo.system.id}
    start: beginning
    eventsPerPoll: 200
    target:
      kind: ${kind}
      urlFile: db-url
      table: ${table}
      keyColumn: sfzh
      columns: { xm: name, xb: gender }
`,
      hrssNode,
      db,
    );
    const c = await connectHome(env.home);
    const { rows: expected } = await c.query<{ key: string; name: string; gender: string }>(
      `select key, data->>'name' as name, data->>'gender' as gender from records r join datasets d on d.id = r.dataset_id where d.code = $1 and not deleted order by key`,
      [env.demo.dataset],
    );
    await c.end();
    assert.ok(expected.length > 500, 'records to receive');
    // dies right after its first local write, before the ack
    const crashing = startNode(config, { BRX_NODE_FAULT: 'exit-after-write' });
    await crashing.exited;
    assert.equal(crashing.child.signalCode, 'SIGKILL', crashing.output());
    const written = (await db.exec(`select count(*) as n from ${table}`))[0]!.n;
    assert.ok(Number(written) > 0, 'the first batch was written before the crash');
    const subscriptions = (await (await fetch(`${env.brx.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${env.demo.system.apiKey}` } })).json()) as {
      items: { dataset: string; delivered: number; position: { inSnapshot: boolean }; createdAt: string }[];
    };
    // this node's subscription: the newest
    const mine = subscriptions.items.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    assert.deepEqual({ delivered: mine.delivered, inSnapshot: mine.position.inSnapshot }, { delivered: 0, inSnapshot: true }, 'nothing acknowledged: the events come again');
    const node = startNode(config);
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const local = async () => ((await db.exec(`select sfzh, xm, xb from ${table}`)) as { sfzh: string; xm: string; xb: string }[]).map((r) => ({ key: r.sfzh, name: r.xm, gender: r.xb })).sort(byKey);
    await until('the table holds every granted record', async () => (await local()).length === expected.length, 120);
    assert.deepEqual(await local(), [...expected].sort(byKey), 'the same rows as the exchange, granted fields only, nothing twice');
    assert.match(node.output(), /events applied/);
    // a change after the snapshot: deleted at the source → deleted here
    const gone = expected[0]!.key;
    const deleted = await publish(env.brx.url, env.demo.node, env.demo.dataset, { batchId: `delete-${kind}`, records: [{ op: 'delete', key: gone, sourceTime: new Date().toISOString() }] });
    assert.equal(deleted.status, 200, await deleted.text());
    await until('the delete reached the table', async () => !(await local()).some((r) => r.key === gone));
    await node.stop();
  }

  it('into a PostgreSQL table, surviving a crash between the write and the ack', () => receiveInto('postgres'));
  it('into a MariaDB table, surviving a crash between the write and the ack', { skip: mariadbMissing }, () => receiveInto('mysql'));
});
