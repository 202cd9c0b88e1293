import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { PgEventLog } from '../../exchange/events/pg-event-log.ts';
import { versionAsOf } from '../../exchange/records/read.ts';
import { event, eventLogConformance } from '../conformance/event-log.ts';
import { buildDepartment, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset } from '../support/catalog.ts';
import { instantBetween, until, untilSomeoneWaitsForALock } from '../support/database.ts';

let t: TestApp;
let log: PgEventLog;
before(async () => {
  t = await startTestApp();
  log = new PgEventLog(t.database.db);
});
after(() => log.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

eventLogConformance('PostgreSQL', () => ({
  log,
  newDataset: async () => (await buildDataset(t, (await buildDepartment(t)).id)).id,
  transaction: (fn) => t.database.db.transaction().execute(fn),
}));

describe('PostgreSQL event log', () => {
  it('a second transaction cannot commit offsets before the first: it waits for the first to finish', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aAppended!: () => void;
    const aHasOffsets = new Promise<void>((r) => (aAppended = r));
    const order: string[] = [];

    const a = t.database.db.transaction().execute(async (trx) => {
      const r = await log.append(trx, id, [event('a1'), event('a2')]);
      aAppended();
      await aHolds; // A has its offsets but has not committed
      order.push('A commits');
      return r;
    });
    await aHasOffsets;
    const b = t.database.db.transaction().execute(async (trx) => {
      const r = await log.append(trx, id, [event('b1')]);
      order.push('B has offsets');
      return r; // B would commit at once
    });
    await untilSomeoneWaitsForALock(t.database.db, b);
    assert.deepEqual(order, [], 'B is still waiting: it cannot take an offset while A is open');
    assert.deepEqual(await log.read(id, 0, 100), [], 'a reader sees neither');
    releaseA();
    const [ra, rb] = await Promise.all([a, b]);
    assert.deepEqual(order, ['A commits', 'B has offsets']);
    assert.deepEqual([ra, rb], [{ first: 1, last: 2 }, { first: 3, last: 3 }]);
    assert.deepEqual((await log.read(id, 0, 100)).map((e) => [e.offset, e.key]), [[1, 'a1'], [2, 'a2'], [3, 'b1']]);
  });

  it('stamps an event when it takes its offset, so asOf never returns a version committed after that moment', async () => {
    const dataset = await buildDataset(t, (await buildDepartment(t)).id);
    const db = t.database.db;
    let asOf!: Date;
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx); // the transaction has begun
      asOf = await instantBetween(db);
      await log.append(trx, dataset.id, [event('late')]);
    });
    assert.equal(await versionAsOf(log, dataset.id, 'late', asOf), undefined, 'not visible at asOf: its transaction committed later');
    assert.equal((await versionAsOf(log, dataset.id, 'late', await instantBetween(db)))?.key, 'late');
  });

  it('keeps waking waiters after its LISTEN connection is cut', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    await log.wait(id, 0, 50); // opens the listening connection
    const cut = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where query = 'listen brx_events' and pid <> pg_backend_pid()`.execute(t.database.db);
    assert.ok(cut.rows[0]!.n >= 1, 'the listening connection was cut');
    await sleep(100);
    const waiting = log.wait(id, 0, 5_000);
    await until(() => log.waiting > 0);
    await t.database.db.transaction().execute((trx) => log.append(trx, id, [event('after the cut')]));
    const started = Date.now();
    assert.equal(await waiting, true);
    assert.ok(Date.now() - started < 2_000);
  });

  it('answers its waiters “nothing new” when it is closed (shutdown does not wait out long polls)', async () => {
    const { id } = await buildDataset(t, (await buildDepartment(t)).id);
    const closing = new PgEventLog(t.database.db);
    const waiting = closing.wait(id, 0, 10_000);
    await until(() => closing.waiting > 0);
    const started = Date.now();
    await closing.close();
    assert.equal(await waiting, false);
    assert.ok(Date.now() - started < 1_000);
  });
});
