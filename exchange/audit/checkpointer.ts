import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { AuditKey } from './audit-key.ts';
import { appendCheckpoints, type Checkpoint, checkpointSignatureHolds, readCheckpointFile, signCheckpoint } from './checkpoints.ts';
import { type StartingPoint, verifyChain } from './verify.ts';

const logs: AuditLog[] = ['admin', 'access'];

export interface CheckpointerOptions {
  readonly file: string;
  readonly key: AuditKey;
  readonly clock: Clock;
  /** for what goes wrong in the background: never a secret, never an entry's content */
  readonly warn: (msg: string) => void;
}

/**
 * Writes signed checkpoints of both audit chains to the checkpoint file: every interval when a
 * chain's head moved, and on shutdown. Before signing, the entries since the previous
 * checkpoint are verified (a short walk: one interval's entries), so each checkpoint vouches for
 * a chain that held from the one before; a chain that does not hold is not signed, and the
 * problem is reported instead.
 */
export class AuditCheckpointer {
  readonly #db: Db;
  readonly #options: CheckpointerOptions;
  /** the last checkpoint per log, this process's or found in the file; undefined until read */
  #last: Map<AuditLog, StartingPoint> | undefined;
  #running: Promise<Checkpoint[]> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(db: Db, options: CheckpointerOptions) {
    this.#db = db;
    this.#options = options;
  }

  get file(): string {
    return this.#options.file;
  }

  get publicKeyPem(): string {
    return this.#options.key.publicKeyPem;
  }

  get publicKey() {
    return this.#options.key.publicKey;
  }

  /** Periodic checkpoints; 0 seconds: only on shutdown and when asked. */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      this.checkpoint().catch((error) => {
        this.#options.warn(
          isDatabaseUnavailable(error) ? 'audit checkpoint skipped: the database cannot be reached' : `audit checkpoint failed: ${(error as Error).message}`,
        );
      });
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  /**
   * The latest checkpoint of each log whose signature holds under this key: where a quick
   * verification starts. The file is read once (a year of five-minute checkpoints is some
   * 200,000 lines: only the newest of each log has its signature checked), then kept up to date
   * with this process's own checkpoints; another process's later ones sharing the file are
   * picked up at the next start, and meanwhile a walk merely starts a little earlier.
   */
  async latest(): Promise<ReadonlyMap<AuditLog, StartingPoint>> {
    this.#last ??= await this.#readLatest();
    return this.#last;
  }

  async #readLatest(): Promise<Map<AuditLog, StartingPoint>> {
    const { checkpoints } = await readCheckpointFile(this.#options.file);
    const found = new Map<AuditLog, StartingPoint>();
    for (const log of logs) {
      const candidates = checkpoints
        .map((c) => c.checkpoint)
        .filter((cp) => cp.log === log && cp.keyId === this.#options.key.keyId)
        .sort((a, b) => b.seq - a.seq);
      const best = candidates.find((cp) => checkpointSignatureHolds(cp, this.#options.key.publicKey));
      if (best) found.set(log, { seq: best.seq, headHash: best.headHash, at: best.at });
    }
    return found;
  }

  /** Writes a checkpoint of each chain whose head moved since the last one; one run at a time. */
  checkpoint(): Promise<Checkpoint[]> {
    this.#running ??= this.#checkpoint().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #checkpoint(): Promise<Checkpoint[]> {
    const lastOf = new Map(await this.latest());
    const written: Checkpoint[] = [];
    for (const log of logs) {
      const last = lastOf.get(log);
      const report = await verifyChain(this.#db, log, { from: last });
      if (!report.intact) {
        this.#options.warn(`audit checkpoint of the ${log} log withheld: ${report.reason}`);
        continue;
      }
      if (report.entries === (last?.seq ?? 0)) continue; // the head did not move
      const at = this.#options.clock.now().toISOString();
      const cp = signCheckpoint({ log, seq: report.entries, headHash: report.headHash, entries: report.entries, at }, this.#options.key);
      written.push(cp);
    }
    await appendCheckpoints(this.#options.file, written);
    for (const cp of written) this.#last!.set(cp.log, { seq: cp.seq, headHash: cp.headHash, at: cp.at });
    return written;
  }

  /** Stops the timer and writes the last checkpoint (call after the audit writer has flushed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#running) await this.#running.catch(() => {});
    try {
      await this.checkpoint();
    } catch (error) {
      this.#options.warn(`the shutdown audit checkpoint could not be written: ${(error as Error).message}`);
    }
  }
}
