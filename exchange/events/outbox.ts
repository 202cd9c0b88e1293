import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.ts';
import type { Dispute, NewEvent, Reservation, StoredEvent } from './event-log.ts';
import type { EventsTable } from '../db/schema/catalog.ts';
import type { Selectable } from 'kysely';

/**
 * The events in PostgreSQL: the transactional outbox and the history, the source of truth on
 * either backbone. Offsets come from the dataset's row in event_heads, updated in the appending
 * transaction: the row lock is held until commit, so a second writer of the dataset waits there
 * and takes its offsets only after the first has committed (or rolled back, which also rolls the
 * counter back: offsets stay dense). Offsets are therefore committed in increasing order, and a
 * reader can never see N+1 before N. The cost is that the appends of one dataset are
 * serialised; different datasets append in parallel. NOTIFY on `brx_events` (delivered at
 * commit, carrying the new head) wakes readers and the Kafka relay; they always read the table.
 */
export class Outbox {
  protected readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async append(trx: Tx, datasetId: string, events: readonly NewEvent[]): Promise<{ first: number; last: number } | null> {
    if (events.length === 0) return null;
    const reservation = await this.reserve(trx, datasetId);
    const rows = events.map((e, i) => ({
      offset: reservation.last + 1 + i,
      key: e.key,
      op: e.op,
      data: e.data ?? null,
      contract_version: e.contractVersion,
      source_time: e.sourceTime.toISOString(),
      batch_id: e.batchId,
      dispute: e.dispute?.length ? e.dispute : null,
    }));
    await reservation
      .insert(sql`
        select r."offset", r.key, r.op, r.data, r.contract_version, r.source_time, r.batch_id, r.dispute
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as r("offset" bigint, key text, op text, data jsonb, contract_version text, source_time timestamptz, batch_id text, dispute jsonb)`)
      .execute(trx);
    return reservation.publish(events.length);
  }

  /**
   * Locks the dataset's head. Events are stamped with their commit time when written, under the
   * head lock, not at the transaction's start: so it grows with the offsets of the dataset, and
   * `lastAsOf` never finds an event whose transaction had begun by then but committed later.
   * What remains is the moment between that statement and the commit (the rest of the batch's
   * writes): an `asOf` inside it sees the event a little early, never one out of offset order.
   */
  async reserve(trx: Tx, datasetId: string): Promise<Reservation> {
    const { last_offset: last } = await trx
      .selectFrom('event_heads')
      .select('last_offset')
      .where('dataset_id', '=', datasetId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return {
      last,
      insert: (rows) => sql`
        insert into events (dataset_id, "offset", key, op, data, contract_version, source_time, batch_id, dispute, committed_at)
        select ${datasetId}::uuid, e.*, clock_timestamp() from (${rows}) e`,
      publish: async (count) => {
        if (count === 0) return null;
        await trx.updateTable('event_heads').set({ last_offset: last + count }).where('dataset_id', '=', datasetId).execute();
        await sql`select pg_notify('brx_events', ${`${datasetId}:${last + count}`})`.execute(trx);
        return { first: last + 1, last: last + count };
      },
    };
  }

  /** Events above `after` as the outbox holds them. */
  protected async readStored(datasetId: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('dataset_id', '=', datasetId).where('offset', '>', after).orderBy('offset').limit(limit).execute();
    return rows.map(storedEvent);
  }

  /** The last committed offset of each dataset with events. */
  protected async committedHeads(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('event_heads').select(['dataset_id', 'last_offset']).where('last_offset', '>', 0).execute();
    return new Map(rows.map((r) => [r.dataset_id, r.last_offset]));
  }

  async lastBefore(datasetId: string, keys: readonly string[], before: number): Promise<Map<string, StoredEvent>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .distinctOn('key')
      .where('dataset_id', '=', datasetId)
      .where('key', 'in', [...keys])
      .where('offset', '<', before)
      .orderBy('key')
      .orderBy('offset', 'desc')
      .execute();
    return new Map(rows.map((r) => [r.key, storedEvent(r)]));
  }

  async committedAt(datasetId: string, offset: number): Promise<Date | undefined> {
    const row = await this.db.selectFrom('events').select('committed_at').where('dataset_id', '=', datasetId).where('offset', '=', offset).executeTakeFirst();
    return row?.committed_at;
  }

  async lastAsOf(datasetId: string, key: string, asOf: Date): Promise<StoredEvent | undefined> {
    const row = await this.db
      .selectFrom('events')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('key', '=', key)
      .where('committed_at', '<=', asOf)
      .orderBy('offset', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && storedEvent(row);
  }
}

export function storedEvent(r: Selectable<EventsTable>): StoredEvent {
  return {
    datasetId: r.dataset_id,
    offset: r.offset,
    key: r.key,
    op: r.op,
    data: r.data,
    contractVersion: r.contract_version,
    sourceTime: r.source_time,
    committedAt: r.committed_at,
    batchId: r.batch_id,
    dispute: r.dispute as Dispute[] | null,
  };
}
