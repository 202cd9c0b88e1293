import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { batchSigningMessage } from '../../contracts/batch-signature.ts';
import { freePort } from '../../exchange/db/embedded.ts';
import { onFileEnd } from './database.ts';

/** `brx serve --demo` as a user starts it: embedded PostgreSQL, a real port, real signals. */
export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** SIGTERM; resolves with the exit code */
  stop(): Promise<number | null>;
  exited(): Promise<number | null>;
}

/** A BRX_HOME of its own, removed after the file's last test; searchable by the `postgres` user. */
export async function brxHome(): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'brx-e2e-'));
  await chmod(home, 0o755);
  onFileEnd(() => rm(home, { recursive: true, force: true }));
  return home;
}

export async function serve(home: string, env: Record<string, string> = {}, options: { port?: number } = {}): Promise<Served> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/brx.js', 'serve', '--demo'], {
    env: { ...process.env, BRX_HOME: home, BRX_PORT: String(port), BRX_LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // a test that fails leaves no brx behind
  onFileEnd(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`brx serve exited: ${out}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
    if (ready === 200 && out.includes('Next steps')) break;
    if (performance.now() > deadline) throw new Error(`not ready within 60 s: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => out,
    exited: () => exit,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

export interface DemoCredentials {
  node: { id: string; apiKey: string; privateKey: string };
  system: { id: string; apiKey: string };
  dataset: string;
  people: Record<string, { username: string; password: string }>;
}

export async function demoCredentials(home: string): Promise<DemoCredentials> {
  return JSON.parse(await readFile(path.join(home, 'demo-credentials.json'), 'utf8'));
}

/** The embedded server's postmaster pid and port, as its postmaster.pid says. */
export async function postmaster(home: string): Promise<{ pid: number; port: number }> {
  const lines = (await readFile(path.join(home, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8')).split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** A connection of the test's own to the embedded database of a home (to check what is stored). */
export async function connectHome(home: string): Promise<pg.Client> {
  const password = (await readFile(path.join(home, 'postgres', 'pg-password'), 'utf8')).trim();
  const { port } = await postmaster(home);
  const client = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/brx` });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** POSTs a batch signed by the demo node, as a front-end node would. */
export async function publish(url: string, node: DemoCredentials['node'], dataset: string, batch: { batchId: string; records: unknown[] }) {
  const body = JSON.stringify(batch);
  const signature = sign(null, batchSigningMessage(dataset, Buffer.from(body)), createPrivateKey(node.privateKey)).toString('base64');
  return fetch(`${url}/v1/datasets/${dataset}/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.apiKey}`, 'content-type': 'application/json', 'x-brx-signature': signature },
    body,
  });
}
