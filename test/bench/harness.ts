import autocannon from 'autocannon';
import { createDb, type Db } from '../../exchange/db/database.ts';
import { cloneTemplate, createTemplate, databaseUrl, dropDatabase, startTestServer } from '../support/postgres.ts';

/** A migrated database for one benchmark, on the same kind of server the tests use. */
export async function benchDatabase(): Promise<{ db: Db; url: string; close(): Promise<void> }> {
  const server = await startTestServer();
  const template = await createTemplate(server.adminUrl);
  const name = await cloneTemplate(server.adminUrl, template);
  const url = databaseUrl(server.adminUrl, name);
  const db = createDb({ url, poolSize: 10 });
  return {
    db,
    url,
    async close() {
      await db.destroy();
      await dropDatabase(server.adminUrl, name);
      await dropDatabase(server.adminUrl, template);
      await server.stop();
    },
  };
}

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * HTTP load from a worker thread (so the load generator does not share the event loop of the
 * server under test), with a progress line per phase.
 */
export async function load(
  label: string,
  options: { url: string; headers?: Record<string, string>; connections?: number; seconds?: number },
): Promise<LoadResult> {
  const seconds = options.seconds ?? 8;
  process.stderr.write(`  ${label}: ${seconds} s of load at ${options.connections ?? 50} connections…\n`);
  const r = await autocannon({
    url: options.url,
    headers: options.headers ?? {},
    connections: options.connections ?? 50,
    duration: seconds,
    workers: 1,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** A readable table, then (by the caller) one JSON line last. */
export function printTable(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => String(r[c]))));
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
