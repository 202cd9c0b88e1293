import type { Db } from '../db/database.ts';
import { withRetry } from '../db/retry.ts';
import type { AccessEntry } from './entries.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { accessRow, anyCommitted, appendAccessGroup, chain, readHead } from './store.ts';

interface Pending {
  readonly row: Record<string, unknown>;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface AuditWriterStats {
  flushes: number;
  entries: number;
  /** time spent writing groups, for the mean commit latency */
  flushSeconds: number;
}

/**
 * Group commit for the access log. Each read awaits `record()`, which resolves only once its
 * entry is committed. While one flush is in flight, new entries wait in the queue and the next
 * flush writes all of them in one INSERT and one commit, so under load a commit carries many
 * requests' entries and at rest each entry is written at once (no timer, no added latency).
 * One flush at a time per process; across processes the chain head row orders them
 * (optimistically: see appendAccessGroup).
 */
export class AuditWriter {
  readonly #db: Db;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  /** the chain head as this writer last wrote or read it; null until first needed */
  #head: { seq: number; hash: string } | null = null;
  readonly stats: AuditWriterStats = { flushes: 0, entries: 0, flushSeconds: 0 };

  constructor(db: Db, options: { maxBatch?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  record(entry: AccessEntry): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the audit writer is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ row: accessRow(entry), resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // let the requests of this turn of the event loop join the first group
    await new Promise((r) => setImmediate(r));
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, this.#maxBatch);
        try {
          const started = performance.now();
          await withRetry(() => this.#append(group.map((p) => p.row)));
          this.stats.flushSeconds += (performance.now() - started) / 1000;
          this.stats.flushes += 1;
          this.stats.entries += group.length;
          for (const p of group) p.resolve();
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.#running = null;
    }
  }

  /**
   * Appends a group, chained onto the head; another process appending meanwhile moves the head,
   * and the group is chained again onto the new one. A dropped connection (a database restart,
   * pg_terminate_backend) leaves an attempt's outcome unknown: the group may have committed just
   * before the connection broke. Before trying again the writer asks whether the last entry of
   * any earlier attempt is in the log (its sequence number and hash say exactly that), so a group
   * is never written twice. Dropped connections are retried for about 3 s: a blip costs a read
   * some latency, an outage answers it 503 — never unaudited.
   */
  async #append(rows: Record<string, unknown>[]): Promise<void> {
    const unsure: { seq: number; hash: string }[] = [];
    let broken = 0;
    for (let attempt = 0; attempt < 50; attempt++) {
      let expected: { seq: number; hash: string } | null = null;
      try {
        if (unsure.length && (await anyCommitted(this.#db, unsure))) {
          this.#head = null; // where the log stands now is read again on the next group
          return;
        }
        this.#head ??= await readHead(this.#db, 'access');
        expected = this.#head;
        const head = await appendAccessGroup(this.#db, rows, expected);
        if (head) {
          this.#head = head;
          return;
        }
        this.#head = null;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || ++broken > 4) throw error;
        if (expected) unsure.push(chain('access', rows, expected).head);
        this.#head = null;
        await new Promise((r) => setTimeout(r, 200 * 2 ** (broken - 1)));
      }
    }
    throw new Error('the access log head kept moving: too many concurrent writers');
  }

  /** Writes what is queued and refuses new entries; called on shutdown before the pool closes. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running) await this.#running;
  }
}
