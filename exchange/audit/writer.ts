import type { Db } from '../db/database.ts';
import { withRetry } from '../db/retry.ts';
import type { AccessEntry } from './entries.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { accessRow, appendChained, chain, committedOf, readHead } from './store.ts';

interface Pending {
  readonly row: Record<string, unknown>;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

type Head = { seq: number; hash: string };

/** One group of entries on its way into the log. */
interface Group {
  /** where the group leaves the chain as last hashed; null until hashed */
  head: Head | null;
  /** the head it left once written; null if it gave up */
  final: Promise<Head | null>;
}

export interface AuditWriterStats {
  flushes: number;
  entries: number;
  /** time spent writing groups, for the mean commit latency */
  flushSeconds: number;
  /** attempts that found the head elsewhere: an earlier group not in yet or failed, or another process appended */
  conflicts: number;
}

/**
 * Group commit for the access log. Each read awaits `record()`, which resolves only once its
 * entry is committed. Entries queue and go in groups, one statement and one commit each, with up
 * to `pipeline` groups in flight: a group is hashed onto the head the group before it will leave,
 * known here before that group commits, and its statement inserts the entries at once and waits
 * only to move the head, right after the earlier group's commit (brx_append_access, 0015). So a
 * request waits for the commit of its own group, not for a whole earlier cycle as well; at rest
 * each entry is written at once (no timer).
 *
 * A group that finds the head elsewhere writes nothing. It waits until the group before it is
 * settled and goes again onto the head that one left (the same hashes, when it was only early),
 * or onto the head read from the database (an earlier group failed, another process appended).
 * A group hashed again changes the chain under the groups after it: they fail the same way, and
 * new groups wait for a settled head instead of chaining onto theirs. So no group ever commits
 * onto entries that are not in the log.
 */
export class AuditWriter {
  readonly #db: Db;
  readonly #maxBatch: number;
  readonly #pipeline: number;
  #queue: Pending[] = [];
  #inFlight = 0;
  #launching = false;
  #closed = false;
  /** the group launched last */
  #last: Group | null = null;
  /** where the group launched last leaves the chain if all goes well; null: unknown, the next group waits for a settled head */
  #tail: Head | null = null;
  readonly stats: AuditWriterStats = { flushes: 0, entries: 0, flushSeconds: 0, conflicts: 0 };

  /**
   * `pipeline`: groups in flight at once. One by default: on the 2-core project machine (server,
   * PostgreSQL and load generator on the same cores) a second group in flight split the same load
   * into smaller groups (16 entries instead of 25 per commit at 50 clients) and cost more CPU per
   * entry (PostgreSQL ~55 µs against ~39, the server ~97 against ~84) than it saved in waiting.
   * Where the commit's latency (a remote or slower disk) rather than CPU bounds the rate, more
   * groups in flight shorten each request's wait.
   */
  constructor(db: Db, options: { maxBatch?: number; pipeline?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#pipeline = Math.max(1, options.pipeline ?? 1);
  }

  record(entry: AccessEntry): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the audit writer is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ row: accessRow(entry), resolve, reject });
      if (!this.#launching && this.#inFlight < this.#pipeline) {
        this.#launching = true;
        // let the requests of this turn of the event loop join the group
        setImmediate(() => {
          this.#launching = false;
          this.#launch();
        });
      }
    });
  }

  #launch(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#pipeline) {
      const group = this.#write(this.#queue.splice(0, this.#maxBatch), this.#last, this.#tail);
      this.#last = group;
      this.#tail = group.head;
      this.#inFlight += 1;
      void group.final.then(() => {
        this.#inFlight -= 1;
        this.#launch();
      });
    }
  }

  #write(entries: Pending[], previous: Group | null, tail: Head | null): Group {
    const rows = entries.map((p) => p.row);
    // hashed now, so that the next group can be hashed onto it before this one commits
    const first = tail ? { expected: tail, ...chain('access', rows, tail) } : null;
    const group: Group = { head: first?.head ?? null, final: Promise.resolve(null) };
    group.final = (async () => {
      const started = performance.now();
      try {
        const head = await withRetry(() => this.#append(group, rows, previous, first));
        this.stats.flushSeconds += (performance.now() - started) / 1000;
        this.stats.flushes += 1;
        this.stats.entries += entries.length;
        for (const p of entries) p.resolve();
        return head;
      } catch (error) {
        this.#tail = null; // the groups after this one were hashed onto entries that are not in
        for (const p of entries) p.reject(error);
        return null;
      }
    })();
    return group;
  }

  /** The group now leaves the chain at `head`: if that changed, the groups launched after it were hashed onto the old one. */
  #rehashed(group: Group, head: Head): void {
    const changed = group.head !== null && (group.head.seq !== head.seq || group.head.hash !== head.hash);
    group.head = head;
    if (this.#last === group) this.#tail = head;
    else if (changed) this.#tail = null;
  }

  /**
   * Appends a group and answers the head it left. A dropped connection (a database restart,
   * pg_terminate_backend) leaves an attempt's outcome unknown: the group may have committed just
   * before the connection broke. Before trying again the writer asks whether the last entry of
   * any earlier attempt is in the log (its sequence number and hash say exactly that), so a group
   * is never written twice. Dropped connections are retried for about 3 s: a blip costs a read
   * some latency, an outage answers it 503 — never unaudited.
   */
  async #append(
    group: Group,
    rows: Record<string, unknown>[],
    previous: Group | null,
    first: { expected: Head; chained: ReturnType<typeof chain>['chained']; head: Head } | null,
  ): Promise<Head> {
    const unsure: Head[] = [];
    let broken = 0;
    let before = previous;
    /** where the head is once the groups launched before this one are settled: theirs first, then the database's */
    const settledHead = async (): Promise<Head> => {
      const earlier = before;
      before = null;
      return (earlier && (await earlier.final)) || readHead(this.#db, 'access');
    };
    let attempt = first;
    for (let n = 0; n < 50; n++) {
      let sent: Head | null = null;
      try {
        if (unsure.length) {
          const committed = await committedOf(this.#db, unsure);
          if (committed) {
            this.#rehashed(group, committed);
            return committed;
          }
        }
        if (!attempt) {
          const expected = await settledHead();
          attempt = { expected, ...chain('access', rows, expected) };
          this.#rehashed(group, attempt.head);
        }
        sent = attempt.head;
        if (await appendChained(this.#db, attempt.chained, attempt.head, attempt.expected)) return attempt.head;
        this.stats.conflicts += 1;
        const now = await settledHead();
        // the same hashes go again when this group was only early; else it is hashed anew
        if (now.seq !== attempt.expected.seq || now.hash !== attempt.expected.hash) attempt = null;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || ++broken > 4) throw error;
        if (sent) unsure.push(sent);
        attempt = null;
        await new Promise((r) => setTimeout(r, 200 * 2 ** (broken - 1)));
      }
    }
    throw new Error('the access log head kept moving: too many concurrent writers');
  }

  /** Writes what is queued and refuses new entries; called on shutdown before the pool closes. */
  async close(): Promise<void> {
    this.#closed = true;
    for (;;) {
      if (this.#inFlight > 0) await this.#last!.final;
      else if (this.#queue.length > 0 || this.#launching) await new Promise((r) => setImmediate(r));
      else return;
    }
  }
}
