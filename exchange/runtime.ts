import type { Config } from './config.ts';
import { createDb, type Db } from './db/database.ts';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { oncePer } from './db/unavailable.ts';
import path from 'node:path';

export interface Runtime {
  readonly db: Db;
  readonly databaseUrl: string;
  readonly embedded: EmbeddedDatabase | null;
  close(): Promise<void>;
}

/**
 * The database brx runs on: DATABASE_URL when set, else the embedded PostgreSQL under BRX_HOME.
 * Migrations are applied on open, so `serve`, `migrate` and the admin commands agree on the schema.
 */
export async function openRuntime(
  config: Config,
  log: (msg: string) => void,
  options: { migrate?: boolean; onFatal?: (error: Error) => void } = {},
) {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedDatabase(path.join(config.home, 'postgres'), { log, ...(options.onFatal ? { onFatal: options.onFatal } : {}) });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  // one line per outage, not one per broken connection
  const tell = oncePer(10_000);
  const db = createDb({
    url: databaseUrl,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onConnectionError: (error) => {
      if (tell()) log(`a database connection broke (${error.message}); requests get 503 until the database answers again`);
    },
  });
  try {
    if (options.migrate !== false) {
      const applied = await migrateToLatest(db);
      if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    }
  } catch (error) {
    await db.destroy();
    await embedded?.stop();
    throw error;
  }
  let closed = false;
  return {
    db,
    databaseUrl,
    embedded,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await embedded?.stop();
    },
  } satisfies Runtime;
}
