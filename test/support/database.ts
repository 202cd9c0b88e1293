import { after } from 'node:test';
import { sql } from 'kysely';
import { createDb, type Db } from '../../exchange/db/database.ts';
import { appUrl, cloneTemplate, createTemplate, databaseUrl, dropDatabase, startTestServer } from './postgres.ts';

/**
 * A fresh, migrated database for one test file. Under `npm test` the runner has started the
 * server and migrated a template (BRX_TEST_SERVER_URL, BRX_TEST_TEMPLATE); a file run on its own
 * (`node --import tsx --test file`) provisions both itself and stops them after its last test.
 */
export interface TestDatabase {
  /** the application role's URL: what the app under test and the brx CLI's app pool connect as */
  readonly url: string;
  /** the owner's (the role that migrated it; a superuser on the usual test servers) */
  readonly ownerUrl: string;
  readonly serverUrl: string;
  readonly name: string;
  /** as the application role, which owns no table: what the app under test runs on */
  readonly db: Db;
  /**
   * As the owner, for fixtures that deliberately do what the app may not (tamper with audit
   * rows, build indexes, look at roles). Never give it to the app as its `db`.
   */
  readonly ownerDb: Db;
}

interface Provisioned {
  serverUrl: string;
  template: string;
  stop?: () => Promise<void>;
}

let provisioned: Promise<Provisioned> | undefined;

/**
 * Cleanups run once, after the file's last test, newest first. Registered here, at import time,
 * the hook belongs to the file's root: an `after()` called inside a hook or test would run when
 * that hook or test ends.
 */
const cleanups: (() => Promise<unknown>)[] = [];
export function onFileEnd(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  const p = await provisioned;
  await p?.stop?.();
});

function provision(): Promise<Provisioned> {
  provisioned ??= (async () => {
    if (process.env.BRX_TEST_SERVER_URL && process.env.BRX_TEST_TEMPLATE) {
      return { serverUrl: process.env.BRX_TEST_SERVER_URL, template: process.env.BRX_TEST_TEMPLATE };
    }
    const server = await startTestServer();
    const template = await createTemplate(server.adminUrl);
    return {
      serverUrl: server.adminUrl,
      template,
      stop: async () => {
        await dropDatabase(server.adminUrl, template);
        await server.stop();
      },
    };
  })();
  return provisioned;
}

/**
 * A moment on the database's clock (which stamps commit times) that lies after every commit
 * made before the call and before every commit made after it returns: for `?asOf=` tests. The
 * database clock is read, rounded up to the next millisecond (an asOf has millisecond
 * precision), and the call returns once that millisecond has passed there.
 */
export async function instantBetween(db: Db): Promise<Date> {
  const { rows } = await sql<{ t: Date }>`select date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' as t`.execute(db);
  const t = rows[0]!.t;
  await sql`select pg_sleep(greatest(0, extract(epoch from (${t}::timestamptz - clock_timestamp())) + 0.0005))`.execute(db);
  return t;
}

/**
 * Resolves once a statement of this database waits for a lock another transaction holds — or once
 * `done` settles, for code that (correctly) did not wait at all.
 */
export async function untilSomeoneWaitsForALock(db: Db, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(db);
    if (rows[0]!.n > 0) return;
  }
}

/** Resolves when `condition` holds, looking again after every turn of the event loop. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Polls a condition that takes a query (a relay's progress, a broker's state) until it holds;
 * fails naming `what` after `timeoutMs`. Synchronisation on the state itself, not a sleep.
 */
export async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const p = await provision();
  const name = await cloneTemplate(p.serverUrl, p.template);
  const url = appUrl(p.serverUrl, name);
  const ownerUrl = databaseUrl(p.serverUrl, name);
  const db = createDb({ url, poolSize: 10 });
  const ownerDb = createDb({ url: ownerUrl, poolSize: 2 });
  onFileEnd(async () => {
    await db.destroy();
    await ownerDb.destroy();
    await dropDatabase(p.serverUrl, name);
  });
  return { url, ownerUrl, serverUrl: p.serverUrl, name, db, ownerDb };
}
