import type { RawBuilder } from 'kysely';
import type { Tx } from '../db/database.ts';

/** One change of one record, as a provider made it. */
export interface NewEvent {
  readonly key: string;
  readonly op: 'upsert' | 'delete';
  readonly data: unknown;
  readonly contractVersion: string;
  readonly sourceTime: Date;
  readonly batchId: string;
  /** Open objections on the record when the event was written (数据异议): they travel with it. */
  readonly dispute?: Dispute[] | null;
}

export interface Dispute {
  readonly case: string;
  readonly field: string;
}

export interface StoredEvent extends NewEvent {
  readonly datasetId: string;
  readonly offset: number;
  readonly committedAt: Date;
}

/**
 * An append in progress: the dataset's next offsets, held by one transaction until it ends.
 * A bulk writer (ingest) numbers its events after `last` in the statement that changes the
 * records, writes them with `insert`, and publishes them with `publish`.
 */
export interface Reservation {
  /** the dataset's last offset before this append */
  readonly last: number;
  /**
   * A statement that appends the rows of `rows`: a query whose columns are, in this order,
   * offset, key, op, data, contract_version, source_time, batch_id, dispute. Usable as a CTE.
   */
  insert(rows: RawBuilder<unknown>): RawBuilder<unknown>;
  /** Moves the head past `count` events written after `last`; readers see them at commit. */
  publish(count: number): Promise<{ first: number; last: number } | null>;
}

/**
 * The event log: the one interface every producer and consumer of events uses, on either
 * backbone. Appends happen inside the transaction that changes the records (transactional
 * outbox in PostgreSQL, the source of truth on both backbones). Offsets are dense and increase
 * per dataset, and become visible in order: a reader that has seen offset N never later finds a
 * new event below N.
 */
export interface EventLog {
  /** Which backbone carries the events to readers. */
  readonly backbone: 'postgres' | 'kafka';
  /** Reserves the next offsets of a dataset and writes the events; returns the first and last offset. */
  append(trx: Tx, datasetId: string, events: readonly NewEvent[]): Promise<{ first: number; last: number } | null>;
  /** Holds the dataset's head for a bulk append written by the caller's own statement. */
  reserve(trx: Tx, datasetId: string): Promise<Reservation>;
  /**
   * Events with an offset above `after`, in offset order. Throws `NotRetained` when the
   * backbone no longer holds the event after `after`.
   */
  read(datasetId: string, after: number, limit: number): Promise<StoredEvent[]>;
  /** The last offset readers can see (0 before the first event). */
  head(datasetId: string): Promise<number>;
  /** `head` of every dataset that has events. */
  heads(): Promise<Map<string, number>>;
  /** Per key, the key's last event below offset `before` (history: the source of truth answers). */
  lastBefore(datasetId: string, keys: readonly string[], before: number): Promise<Map<string, StoredEvent>>;
  /** When the event at `offset` was committed (history: a subscriber's lag in seconds). */
  committedAt(datasetId: string, offset: number): Promise<Date | undefined>;
  /** The key's last event committed at or before `asOf` (history). */
  lastAsOf(datasetId: string, key: string, asOf: Date): Promise<StoredEvent | undefined>;
  /**
   * Waits until events above `after` are visible (true) or `timeoutMs` pass or `signal` aborts
   * (false). A wake-up only, never a substitute for read(): after it, read what is there.
   */
  wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * The datasets whose webhook deliveries this process serves now (its share of a consumer
   * group), or null for all of them.
   */
  deliveryShare(): ReadonlySet<string> | null;
  /** How many `wait` calls are waiting now (long polls; a metric for operators). */
  readonly waiting: number;
  /** Stops waking waiters (they return false) and releases connections. */
  close(): Promise<void>;
}

/** A position older than the backbone keeps: the subscriber must take a new snapshot. */
export class NotRetained extends Error {
  constructor(
    readonly datasetId: string,
    readonly after: number,
    readonly oldest: number,
  ) {
    super(`Events after offset ${after} are no longer retained (the oldest kept is ${oldest}): re-snapshot`);
  }
}
