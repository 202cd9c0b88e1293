import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { inspectApplicationRole } from '../../exchange/db/app-role.ts';
import type { Db } from '../../exchange/db/database.ts';
import { loadConfig } from '../../exchange/config.ts';
import { openRuntime, type Runtime } from '../../exchange/runtime.ts';
import { createTestDatabase, onFileEnd } from '../support/database.ts';
import { databaseUrl } from '../support/postgres.ts';
import { brxHome } from '../support/serve.ts';

/**
 * brx opens its database as the owner (migrations) and serves as a role of its own, in every
 * mode; it refuses to serve as a role that could rewrite the audit trail.
 */

const whoAmI = async (db: Db) =>
  (await sql<{ role: string; superuser: boolean }>`select current_user::text as role, rolsuper as superuser from pg_roles where rolname = current_user`.execute(db)).rows[0]!;

async function cannotRewriteAudit(db: Db): Promise<void> {
  await assert.rejects(sql`update audit_admin set action = 'x'`.execute(db), /permission denied/);
  await assert.rejects(sql`delete from audit_access`.execute(db), /permission denied/);
  await assert.rejects(sql`truncate audit_admin`.execute(db), /permission denied/);
  await assert.rejects(sql`alter table audit_access disable trigger all`.execute(db), /must be owner/);
  assert.deepEqual((await inspectApplicationRole(db)).problems, []);
}

async function asAdmin(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

const quiet = () => {};
const suffix = () => randomBytes(4).toString('hex');

describe('the embedded default', () => {
  it('serves as brx_app, a role it made that is no superuser and owns nothing, its password in a 0600 file', async () => {
    const home = await brxHome();
    const config = loadConfig({ BRX_HOME: home });
    let runtime: Runtime | undefined = await openRuntime(config, quiet);
    onFileEnd(async () => runtime?.close());
    assert.equal(new URL(runtime.databaseUrl).username, 'brx_app');
    assert.deepEqual(await whoAmI(runtime.db), { role: 'brx_app', superuser: false });
    assert.equal((await whoAmI(runtime.ownerDb)).superuser, true, 'migrations ran as the embedded superuser');
    assert.equal((await stat(path.join(home, 'db-app-password'))).mode & 0o777, 0o600);
    await cannotRewriteAudit(runtime.db);
    await runtime.close();

    // started again on the same home: the role and its password are found, not made anew
    runtime = await openRuntime(config, quiet);
    assert.deepEqual(await whoAmI(runtime.db), { role: 'brx_app', superuser: false });
    await runtime.close();
    runtime = undefined;
  });
});

describe('DATABASE_URL', () => {
  it('an owner who may create roles: brx makes the application role and serves as it', async () => {
    const database = await createTestDatabase();
    const role = `brx_app_${suffix()}`;
    onFileEnd(() => asAdmin(database.ownerUrl, [`drop owned by ${role}`, `drop role if exists ${role}`]));
    const runtime = await openRuntime(loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: database.ownerUrl, BRX_DATABASE_APP_ROLE: role }), quiet);
    try {
      assert.deepEqual(await whoAmI(runtime.db), { role, superuser: false });
      await cannotRewriteAudit(runtime.db);
    } finally {
      await runtime.close();
    }
  });

  it('takes CREATE on schema public away from PUBLIC (PostgreSQL 14’s default), and refuses a role that may still create there', async () => {
    const database = await createTestDatabase();
    const role = `brx_app_${suffix()}`;
    onFileEnd(() => asAdmin(database.ownerUrl, [`drop owned by ${role}`, `drop role if exists ${role}`]));
    // the schema as PostgreSQL 14 and earlier create it
    await asAdmin(database.ownerUrl, ['grant create on schema public to public']);
    const config = loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: database.ownerUrl, BRX_DATABASE_APP_ROLE: role });
    const runtime = await openRuntime(config, quiet);
    try {
      await assert.rejects(sql`create function public.brx_planted() returns int language sql as 'select 1'`.execute(runtime.db), /permission denied/);
      await assert.rejects(sql`create table public.brx_planted (id int)`.execute(runtime.db), /permission denied/);
      assert.deepEqual((await inspectApplicationRole(runtime.db)).problems, []);
    } finally {
      await runtime.close();
    }

    // a grant brx does not undo (to the role itself, as a DBA might make): it refuses to serve, naming it
    await asAdmin(database.ownerUrl, [`grant create on schema public to ${role}`]);
    await assert.rejects(openRuntime(config, quiet), new RegExp(`will not serve as database role "${role}": ${role} may create objects in schema public`));
  });

  it('refuses to serve as a superuser, or as the owner of the tables, saying why', async () => {
    const database = await createTestDatabase();
    await assert.rejects(
      openRuntime(loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: database.ownerUrl, BRX_DATABASE_APP_URL: database.ownerUrl }), quiet),
      /will not serve as database role "[^"]+": \S+ is a superuser.*could rewrite the audit trail/,
    );

    // an owner without CREATEROLE, as a managed PostgreSQL often hands out
    const owner = `brx_owner_${suffix()}`;
    const app = `brx_dba_app_${suffix()}`;
    const name = `brx_rt_${suffix()}`;
    await asAdmin(database.ownerUrl, [
      `create role ${owner} login password 'owner-password' nosuperuser nocreaterole`,
      `create role ${app} login password 'app-password' nosuperuser nocreaterole`,
      `create database ${name} owner ${owner}`,
    ]);
    onFileEnd(() => asAdmin(database.ownerUrl, [`drop database if exists ${name} with (force)`, `drop role if exists ${app}`, `drop role if exists ${owner}`]));
    const login = (user: string, password: string) => {
      const url = new URL(databaseUrl(database.ownerUrl, name));
      url.username = user;
      url.password = password;
      return url.toString();
    };
    const ownerUrl = login(owner, 'owner-password');
    await assert.rejects(
      openRuntime(loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: ownerUrl }), quiet),
      /may not create roles.*set BRX_DATABASE_APP_URL/,
    );
    await assert.rejects(
      openRuntime(loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: ownerUrl, BRX_DATABASE_APP_URL: ownerUrl }), quiet),
      new RegExp(`will not serve as database role "${owner}": ${owner} owns .*audit_access`),
    );
    // the documented way: the DBA makes a plain login, brx (as the owner) grants it what it needs,
    // temporary tables (ingest stages batches in one) included where a hardened database took them from PUBLIC
    await asAdmin(database.ownerUrl, [`revoke temporary on database ${name} from public`]);
    const runtime = await openRuntime(loadConfig({ BRX_HOME: await brxHome(), DATABASE_URL: ownerUrl, BRX_DATABASE_APP_URL: login(app, 'app-password') }), quiet);
    try {
      assert.deepEqual(await whoAmI(runtime.db), { role: app, superuser: false });
      await cannotRewriteAudit(runtime.db);
      await sql`select count(*) from audit_admin`.execute(runtime.db);
      await sql`create temporary table brx_probe (id int)`.execute(runtime.db);
    } finally {
      await runtime.close();
    }
  });
});
