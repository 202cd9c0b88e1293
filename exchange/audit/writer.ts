import type { Db } from '../db/database.ts';
import { withRetry } from '../db/retry.ts';
import type { AccessEntry } from './entries.ts';
import { accessRow, appendAccessRows } from './store.ts';

interface Pending {
  readonly row: Record<string, unknown>;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface AuditWriterStats {
  flushes: number;
  entries: number;
}

/**
 * Group commit for the access log. Each read awaits `record()`, which resolves only once its
 * entry is committed. While one flush is in flight, new entries wait in the queue and the next
 * flush writes all of them in one INSERT and one commit, so under load a commit carries many
 * requests' entries and at rest each entry is written at once (no timer, no added latency).
 * One flush at a time per process; across processes the chain head row orders them.
 */
export class AuditWriter {
  readonly #db: Db;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  readonly stats: AuditWriterStats = { flushes: 0, entries: 0 };

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
          await withRetry(() => this.#db.transaction().execute((trx) => appendAccessRows(trx, group.map((p) => p.row))));
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

  /** Writes what is queued and refuses new entries; called on shutdown before the pool closes. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running) await this.#running;
  }
}
