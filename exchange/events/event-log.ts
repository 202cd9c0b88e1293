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
 * The event log: the narrow interface every delivery path uses, so that a Kafka-backed log can
 * replace the PostgreSQL one. Appends happen inside the transaction that changes the records
 * (transactional outbox). Offsets are dense and increase per dataset, and become visible in
 * order: a reader that has seen offset N never later finds a new event below N.
 */
export interface EventLog {
  /** Reserves the next offsets of a dataset and writes the events; returns the first and last offset. */
  append(trx: Tx, datasetId: string, events: readonly NewEvent[]): Promise<{ first: number; last: number } | null>;
  /** Events with an offset above `after`, in offset order. */
  read(datasetId: string, after: number, limit: number): Promise<StoredEvent[]>;
  /** The last offset readers can see (0 before the first event). */
  head(datasetId: string): Promise<number>;
  /**
   * Waits until events above `after` are visible (true) or `timeoutMs` pass or `signal` aborts
   * (false). A wake-up only, never a substitute for read(): after it, read what is there.
   */
  wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** How many `wait` calls are waiting now (long polls; a metric for operators). */
  readonly waiting: number;
  /** Stops waking waiters (they return false) and releases connections. */
  close(): Promise<void>;
}
