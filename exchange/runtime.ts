import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Config } from './config.ts';
import { canCreateRoles, closeSchemaToPublic, ensureApplicationRole, grantApplicationPrivileges, inspectApplicationRole } from './db/app-role.ts';
import { createDb, type Db } from './db/database.ts';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { oncePer } from './db/unavailable.ts';

export interface Runtime {
  /** the application's pool: its own role, which owns no table and is no superuser */
  readonly db: Db;
  /**
   * A small pool as the owner of the tables, for what only an owner may do at run time: build
   * search indexes (CREATE INDEX needs ownership of `records`). Never handed to request code.
   */
  readonly ownerDb: Db;
  /** the application's URL (its own role) */
  readonly databaseUrl: string;
  readonly embedded: EmbeddedDatabase | null;
  /** migrations applied while opening */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

export class UnfitRoleError extends Error {}

/** The password of the application role brx made, kept beside its other secrets (mode 0600). */
async function appPassword(home: string): Promise<string> {
  const file = path.join(home, 'db-app-password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(home, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  try {
    await writeFile(file, password, { mode: 0o600, flag: 'wx' });
    return password;
  } catch (error) {
    // another brx on this home wrote it first: use theirs
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
}

function withLogin(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch (error) {
    // 28P01 wrong password (or no such role), 28000 no such role / not allowed to log in
    if (['28P01', '28000'].includes((error as { code?: string }).code ?? '')) return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The application's login: BRX_DATABASE_APP_URL when given; otherwise a role brx makes itself
 * (BRX_DATABASE_APP_ROLE, default brx_app) with a generated password kept in BRX_HOME, which
 * needs an owner that may create roles (the embedded superuser always may). The password is
 * set only when the role does not log in with it yet, so processes sharing one home (and so one
 * password file) do not change it under each other.
 */
async function applicationUrl(config: Config, owner: Db, ownerUrl: string): Promise<string> {
  if (config.databaseAppUrl) return config.databaseAppUrl;
  const role = config.databaseAppRole;
  const password = await appPassword(config.home);
  const url = withLogin(ownerUrl, role, password);
  if (await canLogIn(url)) return url;
  if (!(await canCreateRoles(owner))) {
    throw new UnfitRoleError(
      `the DATABASE_URL user may not create roles, so brx cannot make its application role "${role}": ` +
        'create a login role for the application (see README.md § Security: the application role) and set BRX_DATABASE_APP_URL to it',
    );
  }
  await ensureApplicationRole(owner, role, password);
  return url;
}

/**
 * The database brx runs on: DATABASE_URL when set, else the embedded PostgreSQL under BRX_HOME.
 * Migrations are applied on open, as the owner (DATABASE_URL's user, or the embedded
 * superuser), so `serve`, `migrate` and the admin commands agree on the schema. The application
 * then connects as its own role, granted what the tables need; brx refuses to go on as a role
 * that could rewrite the audit trail (a superuser, a table owner), saying why.
 */
export async function openRuntime(
  config: Config,
  log: (msg: string) => void,
  options: { onFatal?: (error: Error) => void; existing?: boolean } = {},
): Promise<Runtime> {
  // A command that inspects an exchange (audit verify, keys) must not make an empty one where it
  // was pointed at the wrong home, and then report on that: "intact, 0 entries" would read as a pass.
  if (options.existing && !config.databaseUrl && !existsSync(path.join(config.home, 'postgres', 'pgdata', 'PG_VERSION'))) {
    throw new Error(`no brx database in ${config.home}: set BRX_HOME to the exchange's home (or DATABASE_URL to its database); this command does not create one`);
  }
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedDatabase(path.join(config.home, 'postgres'), { log, ...(options.onFatal ? { onFatal: options.onFatal } : {}) });
  const ownerUrl = config.databaseUrl ?? embedded!.url;
  // one line per outage, not one per broken connection
  const tell = oncePer(10_000);
  const onConnectionError = (error: Error) => {
    if (tell()) log(`a database connection broke (${error.message}); requests get 503 until the database answers again`);
  };
  // no statement timeout: an index build on a large table takes as long as it takes
  const ownerDb = createDb({ url: ownerUrl, poolSize: 2, applicationName: 'brx-owner', onConnectionError });
  let db: Db | undefined;
  try {
    const applied = await migrateToLatest(ownerDb);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    const databaseUrl = await applicationUrl(config, ownerDb, ownerUrl);
    db = createDb({ url: databaseUrl, poolSize: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs, onConnectionError });
    await closeSchemaToPublic(ownerDb);
    // asked before any grant: granting (and revoking) to the owner itself would take the owner's own rights away
    const fitness = await inspectApplicationRole(db).catch((error: unknown) => {
      throw new Error(`the application role cannot connect: ${(error as Error).message}`, { cause: error });
    });
    if (fitness.problems.length) {
      throw new UnfitRoleError(
        `brx will not serve as database role "${fitness.role}": ${fitness.problems.join('; ')}. ` +
          'Such a role could rewrite the audit trail unseen. Give brx a login of its own (BRX_DATABASE_APP_URL, or leave it unset and let a DATABASE_URL user with CREATEROLE make one)',
      );
    }
    await grantApplicationPrivileges(ownerDb, fitness.role);
    let closed = false;
    const appDb = db;
    return {
      db: appDb,
      ownerDb,
      databaseUrl,
      embedded,
      applied,
      async close() {
        if (closed) return;
        closed = true;
        await appDb.destroy();
        await ownerDb.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await db?.destroy();
    await ownerDb.destroy();
    await embedded?.stop();
    throw error;
  }
}
