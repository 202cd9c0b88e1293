import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { createDb } from '../../exchange/db/database.ts';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../exchange/db/embedded.ts';
import { migrateToLatest } from '../../exchange/db/migrate.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, enterpriseUscc, licence, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';
import { grant } from '../support/registries.ts';

/** A provider publishing licences and a consumer system with a pull and subscribe grant. */
async function world(t: TestApp) {
  const market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  const node = await buildNode(t, market.id);
  const dataset = await buildDataset(t, market.id);
  const consumer = await buildSystem(t, (await buildDepartment(t, { name: '新余市自然资源局' })).id);
  await grant(t, consumer.system.id, dataset.id, { fields: ['uscc', 'name', 'status'], modes: ['pull', 'subscribe'], purpose: '企业开办一件事' });
  const firms = Array.from({ length: 20 }, () => licence(enterpriseUscc()));
  const seeded = await sendBatch(t, node, dataset.code, { batchId: 'seed', records: firms.map((f) => upsert(f)) });
  assert.equal(seeded.statusCode, 200, seeded.body);
  return { node, dataset, consumer, firms };
}

function assertUnavailable(res: LightMyRequestResponse, what: string) {
  assert.equal(res.statusCode, 503, `${what}: ${res.statusCode} ${res.body}`);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/, what);
  assert.ok(Number(res.headers['retry-after']) > 0, `${what} says when to try again`);
  assert.equal(res.json().code, 'BRX_ERR_UNAVAILABLE', what);
}

describe('connections terminated under load (pg_terminate_backend)', () => {
  it('keeps the process up, answers 200 or 503, loses no acknowledged batch and no answered read’s access entry', async () => {
    const t = await startTestApp();
    const w = await world(t);
    const killer = new pg.Client({ connectionString: t.database.url });
    await killer.connect();
    onFileEnd(() => killer.end());

    const outcomes: { kind: 'read' | 'publish'; status: number; requestId: string; batchId?: string; res: LightMyRequestResponse }[] = [];
    let stop = false;
    let serial = 0;
    const publisher = async () => {
      while (!stop) {
        const batchId = `storm-${++serial}`;
        const res = await sendBatch(t, w.node, w.dataset.code, { batchId, records: Array.from({ length: 10 }, () => upsert(licence(enterpriseUscc()))) });
        outcomes.push({ kind: 'publish', status: res.statusCode, requestId: String(res.headers['x-request-id']), batchId, res });
      }
    };
    const reader = async (n: number) => {
      for (let i = n; !stop; i++) {
        const res = await t.call(w.consumer.apiKey, { method: 'GET', url: `/v1/datasets/${w.dataset.code}/records/${w.firms[i % w.firms.length]!.uscc}` });
        outcomes.push({ kind: 'read', status: res.statusCode, requestId: String(res.headers['x-request-id']), res });
      }
    };
    // Terminate every connection of the exchange again and again, until several were killed
    // while checked out for a query (state active or in a transaction): that is the case that
    // crashed the process, since pg-pool listens for errors of idle connections only.
    let busyKills = 0;
    let rounds = 0;
    const storm = (async () => {
      const until = performance.now() + 60_000;
      while ((busyKills < 5 || rounds < 20) && performance.now() < until) {
        rounds += 1;
        const { rows } = await killer.query<{ state: string }>(
          `select state, pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        );
        busyKills += rows.filter((r) => r.state !== 'idle').length;
        // a kill every few milliseconds: often enough to catch connections mid-query, rarely
        // enough that work gets done in between
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
      // then the storm passes: the same process, without a restart, gets work done again
      const worked = (kind: string) => outcomes.some((o, i) => i >= stormEnded && o.kind === kind && o.status === 200);
      const stormEnded = outcomes.length;
      while (!(worked('read') && worked('publish')) && performance.now() < until + 30_000) await new Promise((r) => setTimeout(r, 50));
      stop = true;
    })();
    await Promise.all([storm, publisher(), publisher(), reader(0), reader(7), reader(13)]);
    assert.ok(busyKills >= 5, `killed ${busyKills} connections in use within ${rounds} rounds`);

    for (const o of outcomes) {
      if (o.status !== 200) assertUnavailable(o.res, `${o.kind} during the storm`);
    }
    const ok = outcomes.filter((o) => o.status === 200);
    assert.ok(ok.some((o) => o.kind === 'read') && ok.some((o) => o.kind === 'publish'), 'work gets done once the storm passes');

    // after the storm: everything works again without a restart
    const after = await t.call(w.consumer.apiKey, { method: 'GET', url: `/v1/datasets/${w.dataset.code}/records/${w.firms[0]!.uscc}` });
    assert.equal(after.statusCode, 200, after.body);

    const db = t.database.db;
    const acknowledged = ok.filter((o) => o.kind === 'publish');
    const batches = await db.selectFrom('batches').select(['batch_id', 'accepted']).where('batch_id', 'in', acknowledged.map((o) => o.batchId!)).execute();
    assert.equal(batches.length, acknowledged.length, 'every acknowledged batch is stored');
    assert.ok(batches.every((b) => b.accepted === 10), 'with all their records');
    const stored = await db.selectFrom('records').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', 'in', acknowledged.map((o) => o.batchId!)).executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), acknowledged.length * 10);
    const answered = ok.filter((o) => o.kind === 'read').map((o) => o.requestId);
    const logged = await db.selectFrom('audit_access').select('request_id').where('request_id', 'in', answered).execute();
    assert.equal(new Set(logged.map((r) => r.request_id)).size, answered.length, 'every answered read has its access entry');
    assert.equal(logged.length, answered.length, 'and only one: no group was written twice');
    const verify = await t.call(t.adminToken, { method: 'GET', url: '/v1/audit/verify' });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.equal(verify.json().intact, true, verify.body);
    assert.ok(verify.json().logs.find((l: { log: string }) => l.log === 'access').entries >= answered.length);
  });
});

describe('the database stopped and started again (DATABASE_URL of a server brx does not run)', () => {
  it('answers 503 with Retry-After while it is away, keeps /healthz up, and recovers by itself', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-outage-'));
    await chmod(dir, 0o755);
    let server: EmbeddedDatabase = await startEmbeddedDatabase(dir);
    const db = createDb({ url: server.url, poolSize: 5, connectTimeoutMs: 2_000 });
    onFileEnd(async () => {
      await db.destroy();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });
    await migrateToLatest(db);
    // the app runs as the superuser here: this test is about the outage, not the role
    const t = await startTestApp({}, { database: { url: server.url, ownerUrl: server.url, serverUrl: server.url, name: 'brx', db, ownerDb: db } });
    const w = await world(t);
    const read = () => t.call(w.consumer.apiKey, { method: 'GET', url: `/v1/datasets/${w.dataset.code}/records/${w.firms[0]!.uscc}` });
    assert.equal((await read()).statusCode, 200);
    const sub = await t.call(w.consumer.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: w.dataset.code, delivery: 'pull', start: 'now' } });
    assert.equal(sub.statusCode, 201, sub.body);
    const events = `/v1/subscriptions/${sub.json().id}/events?wait=20`;

    // a long poll waiting when the database goes away is answered, not left hanging
    const waiting = t.call(w.consumer.apiKey, { method: 'GET', url: events });
    await server.stop();
    const answered = await waiting;
    assert.ok([200, 503].includes(answered.statusCode), `${answered.statusCode} ${answered.body}`);
    if (answered.statusCode === 200) assert.deepEqual(answered.json().events, []);

    assertUnavailable(await read(), 'a keyed pull');
    assertUnavailable(await sendBatch(t, w.node, w.dataset.code, { batchId: 'during', records: [upsert(licence())] }), 'a batch');
    assertUnavailable(await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: 'x'.repeat(12) } }), 'a login');
    assertUnavailable(await t.call(null, { method: 'GET', url: '/readyz' }), '/readyz');
    assert.equal((await t.call(null, { method: 'GET', url: '/healthz' })).statusCode, 200);

    server = await startEmbeddedDatabase(dir, { port: server.port });
    const until = performance.now() + 30_000;
    while ((await t.call(null, { method: 'GET', url: '/readyz' })).statusCode !== 200) {
      assert.ok(performance.now() < until, 'ready again within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await read()).statusCode, 200);

    // LISTEN comes back too: a long poll is woken by a batch published after the outage
    const woken = t.call(w.consumer.apiKey, { method: 'GET', url: events });
    const firm = licence(enterpriseUscc());
    const published = await sendBatch(t, w.node, w.dataset.code, { batchId: 'after', records: [upsert(firm)] });
    assert.equal(published.statusCode, 200, published.body);
    const res = await woken;
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().events.map((e: { key: string }) => e.key), [firm.uscc]);
  });
});

describe('the embedded PostgreSQL supervisor', () => {
  it('gives up after its attempts when the server cannot start again, says why, and stops at once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-supervised-'));
    await chmod(dir, 0o755);
    onFileEnd(() => rm(dir, { recursive: true, force: true }));
    const lines: string[] = [];
    let fatal!: (e: Error) => void;
    const gaveUp = new Promise<Error>((resolve) => (fatal = resolve));
    const server = await startEmbeddedDatabase(dir, { log: (m) => lines.push(m), onFatal: fatal, maxRestarts: 2 });
    const { pid } = await postmasterOf(dir);
    // the data directory is gone as well: no start can succeed
    await rm(path.join(dir, 'pgdata'), { recursive: true, force: true });
    process.kill(pid, 'SIGKILL');
    const error = await gaveUp;
    assert.match(error.message, /could not be started again after 2 attempts/);
    assert.ok(lines.some((l) => /exited \(SIGKILL\); starting it again in 0.5 s \(attempt 1 of 2\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /attempt 2 of 2/.test(l)), lines.join('\n'));
    const started = performance.now();
    await server.stop();
    assert.ok(performance.now() - started < 1_000, 'stopping a server that already died returns at once');
  });
});

async function postmasterOf(dir: string): Promise<{ pid: number }> {
  return { pid: Number((await readFile(path.join(dir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]) };
}
