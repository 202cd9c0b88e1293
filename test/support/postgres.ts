import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { closeSchemaToPublic, ensureApplicationRole, grantApplicationPrivileges } from '../../exchange/db/app-role.ts';
import { createDb } from '../../exchange/db/database.ts';
import { startEmbeddedDatabase } from '../../exchange/db/embedded.ts';
import { migrateToLatest } from '../../exchange/db/migrate.ts';

/**
 * Where the test PostgreSQL comes from, in this order: TEST_DATABASE_URL; testcontainers when a
 * Docker engine answers; otherwise an embedded PostgreSQL started for the run. The server URL's
 * role must be allowed to create databases: each test file gets its own, cloned from a migrated
 * template.
 */
export interface TestServer {
  readonly adminUrl: string;
  readonly source: string;
  stop(): Promise<void>;
}

export async function dockerAnswers(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock';
  return await new Promise((resolve) => {
    const conn = net.connect(socket);
    const done = (ok: boolean) => {
      conn.destroy();
      resolve(ok);
    };
    conn.setTimeout(1000, () => done(false));
    conn.on('error', () => done(false));
    conn.on('connect', () => conn.write('GET /_ping HTTP/1.0\r\n\r\n'));
    conn.on('data', (d) => done(d.toString().includes('200 OK')));
  });
}

export async function startTestServer(): Promise<TestServer> {
  // BRX_TEST_SERVER=embedded: a server of the run's own, whose clock moves with the run's (faketime)
  const embeddedOnly = process.env.BRX_TEST_SERVER === 'embedded';
  if (process.env.TEST_DATABASE_URL && !embeddedOnly) {
    return { adminUrl: process.env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  if (!embeddedOnly && (await dockerAnswers())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { adminUrl: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-test-pg-'));
  const embedded = await startEmbeddedDatabase(dir);
  return {
    adminUrl: embedded.url,
    source: `embedded PostgreSQL on port ${embedded.port}`,
    async stop() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The role the app under test connects as, made and granted by the same code as brx's own
 * (exchange/db/app-role.ts). Roles belong to the server, not a database: one for every test
 * database, its password derived from the server URL so every test process knows it without
 * being told, and a server shared by several runs keeps one password.
 */
export const testAppRole = 'brx_test_app';

export function appUrl(serverUrl: string, database: string): string {
  const url = new URL(databaseUrl(serverUrl, database));
  url.username = testAppRole;
  url.password = createHash('sha256').update(`brx test application role of ${serverUrl}`).digest('base64url');
  return url.toString();
}

/**
 * A migrated database that test files clone (CREATE DATABASE … TEMPLATE): fast and isolated.
 * Migrated by the server URL's role (the owner); the app role's grants are copied with it.
 */
export async function createTemplate(serverUrl: string): Promise<string> {
  const name = `brx_template_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`create database ${name}`));
  const db = createDb({ url: databaseUrl(serverUrl, name), poolSize: 2 });
  try {
    await migrateToLatest(db);
    await ensureApplicationRole(db, testAppRole, decodeURIComponent(new URL(appUrl(serverUrl, name)).password));
    await closeSchemaToPublic(db);
    await grantApplicationPrivileges(db, testAppRole);
  } finally {
    await db.destroy();
  }
  return name;
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
}

export async function cloneTemplate(serverUrl: string, template: string): Promise<string> {
  const name = `brx_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`create database ${name} template ${template}`));
  return name;
}
