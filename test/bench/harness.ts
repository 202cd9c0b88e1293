import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type CpuFigures, cpuMeter } from './cpu.ts';
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
 * HTTP load from a process of its own (so the load generator shares neither the event loop nor
 * the CPU count of a server under test in this process), with a progress line per phase.
 * `requests` cycles through several paths, as autocannon does.
 */
export async function load(
  label: string,
  options: {
    url: string;
    headers?: Record<string, string>;
    connections?: number;
    seconds?: number;
    requests?: readonly { method: string; path: string; headers?: Record<string, string>; body?: string }[];
  },
): Promise<LoadResult> {
  const seconds = options.seconds ?? 8;
  const connections = options.connections ?? 50;
  process.stderr.write(`  ${label}: ${seconds} s of load at ${connections} connections…\n`);
  const child = spawn(process.execPath, [fileURLToPath(new URL('load-process.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ url: options.url, headers: options.headers ?? {}, connections, duration: seconds, requests: options.requests }));
  let out = '';
  for await (const chunk of child.stdout) out += chunk;
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the load generator stopped with exit code ${code}`);
  return JSON.parse(out) as LoadResult;
}

/**
 * `load` with the CPU time per request of this process (the server under test) and of
 * PostgreSQL: steadier than the rate on a shared machine.
 */
export async function loadWithCpu(label: string, options: Parameters<typeof load>[1], postmaster: number | null): Promise<LoadResult & CpuFigures> {
  const meter = cpuMeter('self', postmaster);
  const r = await load(label, options);
  return { ...r, ...meter.stop(r.requests) };
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

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The mean CPU figure of several rounds; null when PostgreSQL's could not be read. */
export function meanCpu(rounds: readonly CpuFigures[], figure: keyof CpuFigures): number | null {
  return rounds.some((r) => r[figure] === null) ? null : round(mean(rounds.map((r) => r[figure]!)), 1);
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
