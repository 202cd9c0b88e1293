import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// int8 (sequence numbers, offsets, counts) as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// dates are calendar days (deadlines, holidays): kept as YYYY-MM-DD, never shifted by a time zone
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
// numeric stays a string: money and capital amounts must not lose digits.

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize?: number;
  readonly statementTimeoutMs?: number;
  readonly applicationName?: string;
  /** how long to wait for a new connection, or for a free one when all are busy (default 5 s) */
  readonly connectTimeoutMs?: number;
  /** a connection broke (its query, if any, fails on its own); for logging */
  readonly onConnectionError?: (error: Error) => void;
}

export function createPool(options: DatabaseOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'brx',
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    // Times are stored as timestamptz; the session zone only affects text rendering in SQL.
    options: '-c TimeZone=UTC',
    // A database that does not answer fails a request within seconds (503), instead of holding
    // it, and every request queued behind it, for as long as the TCP stack keeps trying.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A connection dropped by the server (restart, failover, pg_terminate_backend) must not crash
  // the process. pg-pool listens for errors of idle clients only and removes its listener while a
  // client is checked out, so every client gets a listener of its own for its whole life: the
  // query in flight fails with the cause (a 503 for the caller) and the pool discards the client.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionError?.(error));
  });
  pool.on('error', (error) => options.onConnectionError?.(error));
  return pool;
}

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(options: DatabaseOptions): Db {
  const pool = createPool(options);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** A connection of its own with the pool's settings, for LISTEN (a pooled connection would be handed to others). */
export function dedicatedClient(db: Db): pg.Client {
  const pool = pools.get(db);
  if (!pool) throw new Error('dedicatedClient() needs a database made by createDb()');
  return new pg.Client(pool.options);
}

/**
 * Holds one pooled connection for a unit of work that needs the driver itself (COPY) as well as
 * queries: `conn` is a Kysely over that same connection, so a transaction begun on it and the
 * driver's COPY share one session (and its temporary tables). A failed unit discards the
 * connection: it may have been left mid-COPY.
 */
export async function withConnection<T>(db: Db, work: (client: pg.PoolClient, conn: Db) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('withConnection() needs a database made by createDb()');
  const client = await pool.connect();
  const conn = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => ({ query: client.query.bind(client), release: () => {} }) as unknown as pg.PoolClient,
        end: async () => {},
      },
    }),
  });
  try {
    const result = await work(client, conn);
    client.release();
    return result;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/**
 * Runs a named prepared statement: PostgreSQL plans it once per connection and reuses the plan.
 * For the hottest queries only (per-request credential lookup: planning its five-table join took
 * 1.7 ms against 0.3 ms to execute it).
 */
export async function prepared<R extends pg.QueryResultRow>(db: Db, name: string, text: string, values: unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) throw new Error('prepared() needs a database made by createDb()');
  return (await pool.query<R>({ name, text, values })).rows;
}

/**
 * Runs a timed sweep in a transaction holding a transaction-level advisory lock: several exchange
 * processes may sweep; one at a time does the work, the others skip that turn (answer 0).
 */
export async function oneAtATime(db: Db, lock: number, work: (trx: Tx) => Promise<number>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${lock}) as ok`.execute(trx);
    return rows[0]?.ok ? work(trx) : 0;
  });
}
