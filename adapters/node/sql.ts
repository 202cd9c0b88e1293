import mysql from 'mysql2/promise';
import pg from 'pg';

/** One statement's runner: inside a transaction or on the pool. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * A department's database as the node sees it: PostgreSQL or MySQL/MariaDB behind one small
 * surface (quoting, placeholders, queries, transactions), so sources and targets write their SQL
 * once. Dates without a time zone and big numbers come back as the database's text, never as a
 * JavaScript Date shifted by the node's zone or a rounded number.
 */
export interface SqlDatabase extends SqlRunner {
  readonly dialect: 'postgres' | 'mysql';
  /** a quoted identifier; `schema.table` is quoted part by part */
  id(name: string): string;
  /** the n-th (1-based) parameter placeholder */
  param(n: number): string;
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    // date, timestamp without time zone: their text, as the department's systems wrote it
    if (oid === 1082 || oid === 1114) return (value: string) => value;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function connectSql(kind: 'postgres' | 'mysql', url: string): SqlDatabase {
  if (kind === 'postgres') {
    // times without a zone (timestamp columns, now() compared with them) are China's time, as departments keep them
    const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes, connectionTimeoutMillis: 10_000, keepAlive: true, options: '-c TimeZone=Asia/Shanghai' });
    // a connection the database drops while idle must not crash the node: the next query reconnects
    pool.on('error', () => {});
    const run = (c: pg.Pool | pg.PoolClient): SqlRunner => ({
      query: async <T>(text: string, params: readonly unknown[] = []) => (await c.query(text, params as unknown[])).rows as T[],
    });
    return {
      dialect: 'postgres',
      id: (name) => name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.'),
      param: (n) => `$${n}`,
      ...run(pool),
      async transaction(work) {
        const client = await pool.connect();
        const ignore = () => {};
        client.on('error', ignore);
        try {
          await client.query('begin');
          const result = await work(run(client));
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => {});
          throw error;
        } finally {
          client.off('error', ignore);
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const pool = mysql.createPool({ uri: url, connectionLimit: 2, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 10_000, enableKeepAlive: true });
  const run = (c: mysql.Pool | mysql.PoolConnection): SqlRunner => ({
    query: async <T>(text: string, params: readonly unknown[] = []) => {
      const [rows] = await c.query(text, params as unknown[]);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
  });
  return {
    dialect: 'mysql',
    id: (name) => name.split('.').map((part) => `\`${part.replace(/`/g, '``')}\``).join('.'),
    param: () => '?',
    ...run(pool),
    async transaction(work) {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const result = await work(run(connection));
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The URL without its password, for logs and `brx node check`. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}
