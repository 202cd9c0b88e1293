import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import type pg from 'pg';
import { onFileEnd } from '../support/database.ts';
import { brxHome, connectHome, type DemoCredentials, demoCredentials, postmaster, publish, type Served, serve } from '../support/serve.ts';
import { idOf, personOf } from '../bench/household.ts';

/**
 * brx as an operator runs it (`brx serve` on the embedded default), with its database killed
 * under load, then itself killed with its database, then stopped while long polls wait.
 */
let home: string;
let brx: Served;
let demo: DemoCredentials;

const person = (i: number) => ({ op: 'upsert', key: idOf(i), data: personOf(i), sourceTime: new Date().toISOString() });
const read = (i: number) => fetch(`${brx.url}/v1/datasets/${demo.dataset}/records/${idOf(i)}`, { headers: { authorization: `Bearer ${demo.system.apiKey}`, 'x-operator': '360502198001010015' } });

async function statusOf(url: string): Promise<number> {
  const res = await fetch(url);
  await res.text();
  return res.status;
}

async function withDatabase<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectHome(home);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every acknowledged batch, read by its batch id, is stored with all its records. */
async function assertStored(batchIds: string[], perBatch: number) {
  await withDatabase(async (c) => {
    const { rows } = await c.query<{ batches: string; records: string }>(
      `select (select count(*) from batches where batch_id = any($1)) as batches,
              (select count(*) from records where batch_id = any($1)) as records`,
      [batchIds],
    );
    assert.equal(Number(rows[0]!.batches), batchIds.length, 'every acknowledged batch is stored');
    assert.equal(Number(rows[0]!.records), batchIds.length * perBatch, 'with every record');
  });
}

before(async () => {
  home = await brxHome();
  brx = await serve(home);
  demo = await demoCredentials(home);
  // the demo consuming system gets a pull and subscribe grant on the household dataset
  await withDatabase((c) =>
    c.query(
      `insert into grants (system_id, dataset_id, fields, modes, purpose, valid_from)
       select $1, id, '{idNumber,name,gender}', '{pull,subscribe}', '社会保险参保登记', now() from datasets where code = $2`,
      [demo.system.id, demo.dataset],
    ),
  );
  const seeded = await publish(brx.url, demo.node, demo.dataset, { batchId: 'seed', records: Array.from({ length: 50 }, (_, i) => person(i)) });
  assert.equal(seeded.status, 200, await seeded.text());
});

const acknowledged: string[] = [];

describe('the embedded PostgreSQL killed under load', () => {
  it('is started again by brx; requests meanwhile get 503, /healthz stays up, nothing acknowledged or answered is lost', async () => {
    let stop = false;
    let serial = 0;
    const problems: string[] = [];
    const answeredReads: string[] = [];
    const check = async (res: Response, what: string) => {
      const body = await res.text();
      if (res.status === 200) return true;
      if (res.status !== 503 || !res.headers.get('content-type')?.includes('problem+json') || !res.headers.get('retry-after')) {
        problems.push(`${what}: ${res.status} ${res.headers.get('retry-after')} ${body}`);
      }
      return false;
    };
    // fetch fails only if brx itself does not answer: that is the crash this test is about
    const publisher = async () => {
      while (!stop) {
        const batchId = `load-${++serial}`;
        const res = await publish(brx.url, demo.node, demo.dataset, { batchId, records: Array.from({ length: 5 }, (_, i) => person(100 + serial * 5 + i)) });
        if (await check(res, 'publish')) acknowledged.push(batchId);
      }
    };
    const reader = async (n: number) => {
      for (let i = n; !stop; i++) {
        const res = await read(i % 50);
        if (await check(res, 'read')) answeredReads.push(res.headers.get('x-request-id')!);
      }
    };
    const readiness: number[] = [];
    const health: number[] = [];
    const prober = async () => {
      while (!stop) {
        readiness.push(await statusOf(`${brx.url}/readyz`));
        health.push(await statusOf(`${brx.url}/healthz`));
      }
    };
    const load = [publisher(), publisher(), reader(0), reader(17), prober()];
    // waits for a condition, checking every 100 ms
    const until = async (what: string, check: () => boolean | Promise<boolean>, seconds: number) => {
      const deadline = performance.now() + seconds * 1000;
      while (!(await check())) {
        assert.ok(performance.now() < deadline, `${what} within ${seconds} s: ${brx.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const killer = (async () => {
      // the kill lands on a loaded database: publishes and reads are going through
      await until('the load reaches the database', () => acknowledged.length > 0 && answeredReads.length > 0, 30);
      const { pid } = await postmaster(home);
      process.kill(pid, 'SIGKILL');
      // brx says when it has its database back; then the load goes on until it gets work done again
      await until('restarted', () => /embedded PostgreSQL is running again/.test(brx.output()), 60);
      await until('ready again', async () => (await statusOf(`${brx.url}/readyz`)) === 200, 30);
      const [published, read] = [acknowledged.length, answeredReads.length];
      await until('work done after the restart', () => acknowledged.length > published && answeredReads.length > read, 30);
    })();
    try {
      await killer;
    } finally {
      stop = true;
      await Promise.all(load);
    }
    assert.equal(brx.child.exitCode, null, 'brx is still running');
    assert.deepEqual(problems, [], 'every failed request was a 503 problem with Retry-After');
    assert.ok(readiness.includes(503), '/readyz said 503 while the database was away');
    assert.equal(readiness.at(-1), 200);
    assert.ok(health.every((s) => s === 200), '/healthz stayed 200');
    assert.match(brx.output(), /embedded PostgreSQL exited \(SIGKILL\); starting it again/);
    assert.ok(acknowledged.length > 0 && answeredReads.length > 0);

    await assertStored(acknowledged, 5);
    await withDatabase(async (c) => {
      const { rows } = await c.query('select count(distinct request_id)::int as n, count(*)::int as entries from audit_access where request_id = any($1)', [answeredReads]);
      assert.equal(rows[0].n, answeredReads.length, 'every answered read has its access entry');
      assert.equal(rows[0].entries, answeredReads.length, 'and only one: no group was written twice');
    });
    const verify = spawnSync(process.execPath, ['bin/brx.js', 'audit', 'verify'], { env: { ...process.env, BRX_HOME: home, DATABASE_URL: '' }, encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /access: intact/);
  });
});

describe('brx and its database killed (SIGKILL), then started again on the same home', () => {
  it('is ready and has everything it acknowledged', async () => {
    const batchId = 'before-the-kill';
    const res = await publish(brx.url, demo.node, demo.dataset, { batchId, records: Array.from({ length: 5 }, (_, i) => person(5_000 + i)) });
    assert.equal(res.status, 200);
    acknowledged.push(batchId);
    const { pid } = await postmaster(home);
    brx.child.kill('SIGKILL');
    process.kill(pid, 'SIGKILL');
    await brx.exited();

    brx = await serve(home);
    assert.doesNotMatch(brx.output(), /already running/);
    assert.equal((await read(0)).status, 200);
    await assertStored(acknowledged, 5);
  });
});

describe('SIGTERM while long polls wait', () => {
  it('answers them at once with nothing new and exits within 5 s', async () => {
    const headers = { authorization: `Bearer ${demo.system.apiKey}`, 'content-type': 'application/json' };
    const polls = [];
    for (let i = 0; i < 3; i++) {
      const sub = await fetch(`${brx.url}/v1/subscriptions`, { method: 'POST', headers, body: JSON.stringify({ dataset: demo.dataset, delivery: 'pull' }) });
      assert.equal(sub.status, 201, await sub.clone().text());
      const { id } = (await sub.json()) as { id: string };
      polls.push(fetch(`${brx.url}/v1/subscriptions/${id}/events?wait=30`, { headers }));
    }
    // brx counts the long polls that wait in /metrics
    const until = performance.now() + 10_000;
    while (!/^brx_event_waiters 3$/m.test(await (await fetch(`${brx.url}/metrics`)).text())) {
      assert.ok(performance.now() < until, 'the three long polls are waiting');
      await new Promise((r) => setTimeout(r, 50));
    }
    const signalled = performance.now();
    const exit = brx.stop();
    const answers = await Promise.all(polls);
    const answeredIn = performance.now() - signalled;
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(((await a.json()) as { events: unknown[] }).events, []);
    }
    assert.ok(answeredIn < 1_000, `long polls answered ${answeredIn.toFixed(0)} ms after SIGTERM`);
    assert.equal(await exit, 0);
    assert.ok(performance.now() - signalled < 5_000, `exited ${(performance.now() - signalled).toFixed(0)} ms after SIGTERM`);
  });
});

onFileEnd(async () => {
  if (brx?.child.exitCode === null) await brx.stop();
});
