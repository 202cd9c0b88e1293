import type { Db } from '../db/database.ts';
import type { EventLog, StoredEvent } from './event-log.ts';
import { HeadWaiters } from './head-waiters.ts';
import { Outbox } from './outbox.ts';

/** The PostgreSQL backbone: readers read the outbox itself, woken by its notifications. */
export class PgEventLog extends Outbox implements EventLog {
  readonly backbone = 'postgres';
  readonly #waiters: HeadWaiters;

  constructor(db: Db) {
    super(db);
    this.#waiters = new HeadWaiters(db, 'brx_events', (id) => this.head(id));
  }

  read(datasetId: string, after: number, limit: number): Promise<StoredEvent[]> {
    return this.readStored(datasetId, after, limit);
  }

  async head(datasetId: string): Promise<number> {
    const row = await this.db.selectFrom('event_heads').select('last_offset').where('dataset_id', '=', datasetId).executeTakeFirst();
    return row?.last_offset ?? 0;
  }

  heads(): Promise<Map<string, number>> {
    return this.committedHeads();
  }

  wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#waiters.wait(datasetId, after, timeoutMs, signal);
  }

  deliveryShare(): null {
    return null;
  }

  get waiting(): number {
    return this.#waiters.waiting;
  }

  close(): Promise<void> {
    return this.#waiters.close();
  }
}
