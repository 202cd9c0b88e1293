import Database from 'better-sqlite3';

/**
 * The node's durable store (SQLite through better-sqlite3: one file, transactions that survive
 * `kill -9` and power loss in WAL mode with synchronous=FULL, no server to run beside the
 * department's systems, and synchronous calls that keep the spool's order obvious).
 *
 * Records enter in one transaction with the source's progress (the file they came from, a
 * watermark), so a source never moves past a record that is not safely here. The sender cuts
 * batches off the front of a job's queue: a batch gets its id and exact body *before* it is sent
 * and keeps both until the exchange has answered, so after a crash the same bytes go again under
 * the same id — the exchange applies a batch id once — and records leave the spool only with
 * the exchange's accepted answer.
 */
export interface PendingBatch {
  readonly id: string;
  readonly job: string;
  readonly body: Buffer;
  readonly count: number;
  readonly attempts: number;
}

export class Spool {
  readonly #db: Database.Database;

  constructor(file: string, options: { readonly?: boolean } = {}) {
    this.#db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (options.readonly) return;
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      create table if not exists records (seq integer primary key autoincrement, job text not null, record text not null, batch text);
      create index if not exists records_queue on records (job, batch, seq);
      create table if not exists batches (id text primary key, job text not null, body blob not null, count integer not null,
                                          attempts integer not null default 0, created_at integer not null);
      create table if not exists files (job text not null, fingerprint text not null, rows integer not null, primary key (job, fingerprint));
      create table if not exists contracts (dataset text primary key, body text not null, fetched_at integer not null);
      create table if not exists sources (job text primary key, progress text not null);
      create table if not exists rejects (id integer primary key autoincrement, job text not null, key text not null, field text not null, problem text not null, at integer not null);
      create table if not exists state (name text primary key, value text not null);
    `);
  }

  /**
   * Adds a source's good records and how far the source has been read (a file's rows, a
   * database's watermark) in one transaction: both or neither survive a crash, so a restarted
   * node reads on from there.
   */
  accept(job: string, records: readonly Record<string, unknown>[], read?: { file: { fingerprint: string; rows: number } } | { source: unknown }): void {
    const insert = this.#db.prepare('insert into records (job, record) values (?, ?)');
    this.#db.transaction(() => {
      for (const r of records) insert.run(job, JSON.stringify(r));
      if (read && 'file' in read) {
        this.#db
          .prepare('insert into files (job, fingerprint, rows) values (?, ?, ?) on conflict (job, fingerprint) do update set rows = excluded.rows')
          .run(job, read.file.fingerprint, read.file.rows);
      } else if (read) {
        this.#db.prepare('insert or replace into sources (job, progress) values (?, ?)').run(job, JSON.stringify(read.source));
      }
    })();
  }

  /** How far a database source has been read, or null for a source not read yet. */
  sourceProgress<T>(job: string): T | null {
    const row = this.#db.prepare('select progress from sources where job = ?').get(job) as { progress: string } | undefined;
    return row ? (JSON.parse(row.progress) as T) : null;
  }

  /** A small named value that must survive restarts (a receiving job's subscription id, the node's last state). */
  get<T>(name: string): T | null {
    const row = this.#db.prepare('select value from state where name = ?').get(name) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  set(name: string, value: unknown): void {
    this.#db.prepare('insert or replace into state (name, value) values (?, ?)').run(name, JSON.stringify(value));
  }

  /** How many rows of a file are spooled already (0 for a new file). */
  fileProgress(job: string, fingerprint: string): number {
    return (this.#db.prepare('select rows from files where job = ? and fingerprint = ?').get(job, fingerprint) as { rows: number } | undefined)?.rows ?? 0;
  }

  /** The file has been moved out of the drop folder: its progress is no longer needed. */
  forgetFile(job: string, fingerprint: string): void {
    this.#db.prepare('delete from files where job = ? and fingerprint = ?').run(job, fingerprint);
  }

  /** The oldest batch cut and not yet accepted that no sender holds: it goes again, unchanged. */
  pending(job: string, held: ReadonlySet<string> = new Set()): PendingBatch | null {
    const rows = this.#db.prepare('select id, job, body, count, attempts from batches where job = ? order by created_at, rowid').all(job) as PendingBatch[];
    return rows.find((b) => !held.has(b.id)) ?? null;
  }

  /** Rows of a database source that did not fit the contract: kept (the last 10,000 per job) for `brx node status`. */
  reject(job: string, rejects: readonly { key: string; field: string; message: string }[]): void {
    if (rejects.length === 0) return;
    const insert = this.#db.prepare('insert into rejects (job, key, field, problem, at) values (?, ?, ?, ?, ?)');
    this.#db.transaction(() => {
      for (const r of rejects) insert.run(job, r.key, r.field, r.message, Date.now());
      this.#db.prepare('delete from rejects where job = ? and id <= (select max(id) from rejects where job = ?) - 10000').run(job, job);
    })();
  }

  rejects(job: string, limit = 20): { key: string; field: string; problem: string; at: number }[] {
    return this.#db.prepare('select key, field, problem, at from rejects where job = ? order by id desc limit ?').all(job, limit) as {
      key: string;
      field: string;
      problem: string;
      at: number;
    }[];
  }

  /**
   * Cuts the next batch off the job's queue, fixing its id and body before anything is sent. The
   * records are kept as JSON text and go into the body as they are (no parsing and printing again).
   */
  cut(job: string, max: number, batchId: () => string): PendingBatch | null {
    return this.#db.transaction(() => {
      const rows = this.#db.prepare('select seq, record from records where job = ? and batch is null order by seq limit ?').all(job, max) as {
        seq: number;
        record: string;
      }[];
      if (rows.length === 0) return null;
      const id = batchId();
      const bytes = Buffer.from(`{"batchId":${JSON.stringify(id)},"records":[${rows.map((r) => r.record).join(',')}]}`);
      this.#db.prepare('insert into batches (id, job, body, count, created_at) values (?, ?, ?, ?, ?)').run(id, job, bytes, rows.length, Date.now());
      this.#db.prepare('update records set batch = ? where job = ? and batch is null and seq <= ?').run(id, job, rows[rows.length - 1]!.seq);
      return { id, job, body: bytes, count: rows.length, attempts: 0 };
    })();
  }

  /** The exchange accepted the batch (its answer is in the log and at GET …/batches/{id}): its records leave the spool. */
  delivered(batch: PendingBatch): void {
    this.#db.transaction(() => {
      this.#db.prepare('delete from records where batch = ?').run(batch.id);
      this.#db.prepare('delete from batches where id = ?').run(batch.id);
    })();
  }

  attempted(batch: PendingBatch): void {
    this.#db.prepare('update batches set attempts = attempts + 1 where id = ?').run(batch.id);
  }

  /** Records waiting (spooled and in a batch not yet accepted), per job. */
  depth(job: string): number {
    return (this.#db.prepare('select count(*) as n from records where job = ?').get(job) as { n: number }).n;
  }

  /** The dataset (with its contract) as last fetched, so a node restarted during an outage can go on checking rows. */
  remember(code: string, dataset: unknown): void {
    this.#db.prepare('insert or replace into contracts (dataset, body, fetched_at) values (?, ?, ?)').run(code, JSON.stringify(dataset), Date.now());
  }

  remembered<T>(code: string): T | null {
    const row = this.#db.prepare('select body from contracts where dataset = ?').get(code) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as T) : null;
  }

  close(): void {
    this.#db.close();
  }
}
