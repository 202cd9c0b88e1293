import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../../exchange/db/database.ts';

/**
 * CPU time (user + system) of the server under test and of PostgreSQL, read from /proc: far
 * steadier than wall time on a shared two-core machine, and it says where the time goes.
 */
const msPerTick = 1000 / 100; // USER_HZ: 100 on every Linux this runs on

/** utime, stime, cutime, cstime of a process (all its threads), in ms; null when it is gone. */
function ticks(pid: number): { own: number; children: number; ppid: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name is in parentheses and may hold spaces: fields count from after it
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * msPerTick, children: (Number(f[13]) + Number(f[14])) * msPerTick };
}

/**
 * PostgreSQL's CPU: the postmaster's own and that of its reaped children (backends that closed,
 * checkpointer runs), plus every live child. Needs the server on this machine: a server in a
 * container or elsewhere gives null.
 */
function postgresMs(postmaster: number): number | null {
  const main = ticks(postmaster);
  if (!main) return null;
  let total = main.own + main.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const t = ticks(Number(entry));
    if (t && t.ppid === postmaster) total += t.own;
  }
  return total;
}

/** The postmaster of the server `db` talks to, when it runs on this machine. */
export async function postmasterOf(db: Db): Promise<number | null> {
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
  const backend = ticks(rows[0]!.pid);
  return backend && ticks(backend.ppid) ? backend.ppid : null;
}

export interface CpuFigures {
  /** µs of the server process per unit (record or request) */
  readonly serverCpuUs: number | null;
  /** µs of all PostgreSQL processes per unit */
  readonly postgresCpuUs: number | null;
}

/**
 * Starts counting. `server` is a child process's pid, or 'self' when the server runs in this
 * process (then the load must come from another process: see harness `load`).
 */
export function cpuMeter(server: number | 'self', postmaster: number | null): { stop(units: number): CpuFigures } {
  const serverMs = () => (server === 'self' ? (process.cpuUsage().user + process.cpuUsage().system) / 1000 : (ticks(server)?.own ?? Number.NaN));
  const s0 = serverMs();
  const p0 = postmaster === null ? null : postgresMs(postmaster);
  return {
    stop(units) {
      const s1 = serverMs();
      const p1 = postmaster === null ? null : postgresMs(postmaster);
      const per = (ms: number) => Math.round(((ms * 1000) / Math.max(1, units)) * 10) / 10;
      return {
        serverCpuUs: Number.isFinite(s1 - s0) ? per(s1 - s0) : null,
        postgresCpuUs: p0 === null || p1 === null ? null : per(p1 - p0),
      };
    },
  };
}
