import { before } from 'node:test';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freePort } from '../../exchange/db/embedded.ts';
import { idOf, personOf } from '../bench/household.ts';
import { onFileEnd } from './database.ts';
import { brxHome, connectHome, type DemoCredentials, demoCredentials, type Served, serve } from './serve.ts';

/**
 * 库表交换 tests of the front-end node against real databases: the department's tables in a
 * PostgreSQL database (on the exchange's own embedded server, so it always runs) and in the
 * MariaDB server of the machine (127.0.0.1:3306, root; `.ci/run` starts it).
 */
export const env = {} as { home: string; brx: Served; demo: DemoCredentials & { departments: Record<string, string> }; pgUrl: string };
const mariadbUrl = process.env.BRX_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
const suffix = `${process.pid}`;

/** Why MariaDB tests are skipped on this machine, or false when its MariaDB answers. */
export const mariadbMissing = await (async () => {
  try {
    const c = await mysql.createConnection({ uri: mariadbUrl, connectTimeout: 3000 });
    await c.end();
    return false;
  } catch (error) {
    // CI starts MariaDB and sets this: there, a MariaDB test that cannot run fails
    if (process.env.BRX_TEST_MARIADB_REQUIRED) throw new Error(`MariaDB is required and not reachable at ${mariadbUrl}: ${(error as Error).message}`);
    return `MariaDB is not reachable at ${mariadbUrl} (${(error as Error).message}); .ci/run starts it`;
  }
})();

/** The department's database as the test (the department's own DBA) uses it. */
export interface DeptDb {
  readonly kind: 'postgres' | 'mysql';
  readonly url: string;
  readonly table: string;
  exec(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** a second session holding a transaction open, for late commits */
  openTransaction(): Promise<{ exec(text: string, params?: unknown[]): Promise<void>; commit(): Promise<void> }>;
  close(): Promise<void>;
}

export async function postgresDept(): Promise<DeptDb> {
  const pool = new pg.Pool({ connectionString: env.pgUrl, max: 4 });
  pool.on('error', () => {});
  const exec = async (text: string, params: unknown[] = []) => (await pool.query(text.replace(/\?/g, (() => { let n = 0; return () => `$${++n}`; })()), params)).rows;
  return {
    kind: 'postgres',
    url: env.pgUrl,
    table: 'hj_rkxx',
    exec,
    async openTransaction() {
      const c = await pool.connect();
      await c.query('begin');
      return {
        exec: async (text, params = []) => void (await c.query(text.replace(/\?/g, (() => { let n = 0; return () => `$${++n}`; })()), params)),
        commit: async () => {
          await c.query('commit');
          c.release();
        },
      };
    },
    close: () => pool.end(),
  };
}

export async function mariadbDept(): Promise<DeptDb> {
  const pool = mysql.createPool({ uri: mariadbUrl, connectionLimit: 4 });
  const exec = async (text: string, params: unknown[] = []) => (await pool.query(text, params))[0] as Record<string, unknown>[];
  return {
    kind: 'mysql',
    url: mariadbUrl,
    table: `hj_rkxx_${suffix}`,
    exec,
    async openTransaction() {
      const c = await pool.getConnection();
      await c.beginTransaction();
      return {
        exec: async (text, params = []) => void (await c.query(text, params)),
        commit: async () => {
          await c.commit();
          c.release();
        },
      };
    },
    close: () => pool.end(),
  };
}

/** `brx serve --demo` on the embedded default, with a database `dept` beside brx's own for the department's tables. */
export function withDeptExchange(): void {
  before(async () => {
    env.home = await brxHome();
    env.brx = await serve(env.home, {}, { port: await freePort() });
    env.demo = (await demoCredentials(env.home)) as typeof env.demo;
    const admin = await connectHome(env.home);
    await admin.query('create database dept');
    const parts = (admin as unknown as { connectionParameters: { password: string; port: number } }).connectionParameters;
    env.pgUrl = `postgres://postgres:${encodeURIComponent(parts.password)}@127.0.0.1:${parts.port}/dept`;
    await admin.end();
  });
  onFileEnd(async () => {
    if (env.brx?.child.exitCode === null) await env.brx.stop();
  });
}

/** The 户籍 system's table as departments name things: 身份证号 sfzh, 姓名 xm, 性别 xb, 出生日期 csrq, 更新时间 gxsj, 删除标志 scbz. */
export async function createSourceTable(db: DeptDb): Promise<void> {
  await db.exec(`drop table if exists ${db.table}`);
  await db.exec(
    db.kind === 'postgres'
      ? `create table ${db.table} (id serial primary key, sfzh text not null, xm text not null, xb text not null, csrq date not null,
           gxsj timestamptz not null default now(), scbz smallint not null default 0)`
      : `create table ${db.table} (id int auto_increment primary key, sfzh varchar(18) not null, xm varchar(50) not null, xb varchar(2) not null, csrq date not null,
           gxsj datetime(6) not null default current_timestamp(6), scbz tinyint not null default 0)`,
  );
}

export const row = (i: number) => {
  const p = personOf(i);
  return [p.idNumber, p.name, p.gender === '1' ? '男' : '女', p.birthDate] as const;
};

export async function insertPeople(db: DeptDb, from: number, count: number, gxsj?: string): Promise<string[]> {
  for (let at = from; at < from + count; at += 500) {
    const n = Math.min(500, from + count - at);
    const values = Array.from({ length: n }, (_, i) => row(at + i));
    const tuple = gxsj ? '(?, ?, ?, ?, ?)' : '(?, ?, ?, ?)';
    await db.exec(
      `insert into ${db.table} (sfzh, xm, xb, csrq${gxsj ? ', gxsj' : ''}) values ${values.map(() => tuple).join(', ')}`,
      values.flatMap((v) => (gxsj ? [...v, gxsj] : [...v])),
    );
  }
  return Array.from({ length: count }, (_, i) => idOf(from + i));
}

export async function nodeFiles(name: string, yaml: (dir: string) => string, credentials: { apiKey: string; privateKey: string }, db: DeptDb): Promise<string> {
  const dir = path.join(env.home, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'api-key'), credentials.apiKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'node-key.pem'), credentials.privateKey, { mode: 0o600 });
  await writeFile(path.join(dir, 'db-url'), db.url, { mode: 0o600 });
  await writeFile(path.join(dir, 'node.yaml'), yaml(dir));
  return path.join(dir, 'node.yaml');
}
