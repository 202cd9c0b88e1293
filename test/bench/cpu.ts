import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../../exchange/db/database.ts';

/**
 * CPU time (user + system) of the server under test and of PostgreSQL, read from /proc: far
 * steadier than wall time on a shared two-core machine, and it says where the time goes.
 */
const msPerTick = 1000 / 100; // USER_HZ: 100 on every Linux this runs on

/** utime, stime, cutime, cstime of a process (all its threads; or of one thread, from its task file), in ms; null when it is gone. */
function ticks(pid: number, file = `/proc/${pid}/stat`): { own: number; children: number; ppid: number } | null {
  let stat: string;
  try {
    stat = readFileSync(file, 'utf8');
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

/** CPU ms of processes (each with all its threads), e.g. a broker's JVMs; null when one is gone. */
export function processesMs(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const t = ticks(pid);
    if (!t) return null;
    total += t.own;
  }
  return total;
}

/**
 * CPU ms of one thread of this process (a worker thread reads its id from /proc/thread-self), so
 * a load generator in a worker can be taken out of the process's figure; null when it is gone.
 */
export function threadMs(tid: number): number | null {
  return ticks(tid, `/proc/self/task/${tid}/stat`)?.own ?? null;
}

/**
 * The processes of this machine listening on a TCP port (a broker the bench started: its JVM),
 * from /proc/net/tcp and the sockets among their open files.
 */
export function listenersOf(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st …  inode: the local address is hex ADDR:PORT, state 0A is LISTEN
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && Number.parseInt(f[1]?.split(':')[1] ?? '', 16) === port) inodes.add(`socket:[${f[9]}]`);
    }
  }
  const found: number[] = [];
  if (inodes.size === 0) return found;
  const target = (file: string) => {
    try {
      return readlinkSync(file);
    } catch {
      return ''; // closed meanwhile
    }
  };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    if (fds.some((fd) => inodes.has(target(`/proc/${entry}/fd/${fd}`)))) found.push(Number(entry));
  }
  return found;
}
