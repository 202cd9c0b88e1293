import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { onFileEnd } from './database.ts';
import { connectHome } from './serve.ts';

/** Waits for a condition a user would watch for, polling; fails naming it after `seconds` (with the end of a node's log, if given). */
export async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 60, log?: { output(): string }): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!(await check())) {
    assert.ok(performance.now() < deadline, `${what} within ${seconds} s${log ? `\nthe node's log ends:\n${log.output().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface NodeProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<unknown>;
  stop(): Promise<void>;
}

/** `brx node run --config …` as its own process, as a department runs it; killed at the end of the file. */
export function startNode(config: string, env: Record<string, string> = {}): NodeProcess {
  const child = spawn(process.execPath, ['bin/brx.js', 'node', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const alive = () => child.exitCode === null && child.signalCode === null;
  onFileEnd(async () => {
    if (alive()) child.kill('SIGKILL');
  });
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** How many live records and change events the exchange of `home` holds for these keys of a dataset. */
export async function storedKeys(home: string, dataset: string, keys: readonly string[]): Promise<{ records: number; events: number }> {
  const c = await connectHome(home);
  try {
    const { rows } = await c.query<{ records: number; events: number }>(
      `select (select count(*)::int from records r join datasets d on d.id = r.dataset_id where d.code = $1 and r.key = any($2) and not r.deleted) as records,
              (select count(*)::int from events e join datasets d on d.id = e.dataset_id where d.code = $1 and e.key = any($2)) as events`,
      [dataset, keys],
    );
    return rows[0]!;
  } finally {
    await c.end();
  }
}
