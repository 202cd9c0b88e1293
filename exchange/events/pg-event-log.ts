import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.ts';
import type { Dispute, EventLog, NewEvent, StoredEvent } from './event-log.ts';

/**
 * The event log in PostgreSQL. Offsets come from the dataset's row in event_heads, updated in the
 * appending transaction: the row lock is held until commit, so a second writer of the dataset
 * waits there and takes its offsets only after the first has committed (or rolled back, which
 * also rolls the counter back: offsets stay dense). Offsets are therefore committed in
 * increasing order, and a reader can never see N+1 before N. The cost is that the appends of one
 * dataset are serialised; different datasets append in parallel. NOTIFY is sent as a wake-up
 * only (delivered at commit); readers always read the table.
 */
export class PgEventLog implements EventLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Locks the dataset's head and returns its last offset; callers that must know offsets early use this. */
  static async lockHead(trx: Tx, datasetId: string): Promise<number> {
    const row = await trx
      .selectFrom('event_heads')
      .select('last_offset')
      .where('dataset_id', '=', datasetId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return row.last_offset;
  }

  async append(trx: Tx, datasetId: string, events: readonly NewEvent[]) {
    if (events.length === 0) return null;
    const last = await PgEventLog.lockHead(trx, datasetId);
    await PgEventLog.insertAt(trx, datasetId, last, events);
    return { first: last + 1, last: last + events.length };
  }

  /** Writes events at offsets after `last` (the head must be locked by this transaction) and moves the head. */
  static async insertAt(trx: Tx, datasetId: string, last: number, events: readonly NewEvent[]): Promise<void> {
    const rows = events.map((e, i) => ({
      offset: last + 1 + i,
      key: e.key,
      op: e.op,
      data: e.data ?? null,
      contract_version: e.contractVersion,
      source_time: e.sourceTime.toISOString(),
      batch_id: e.batchId,
      dispute: e.dispute?.length ? e.dispute : null,
    }));
    await sql`
      insert into events (dataset_id, "offset", key, op, data, contract_version, source_time, batch_id, dispute)
      select ${datasetId}::uuid, r."offset", r.key, r.op, r.data, r.contract_version, r.source_time, r.batch_id, r.dispute
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r("offset" bigint, key text, op text, data jsonb, contract_version text, source_time timestamptz, batch_id text, dispute jsonb)`.execute(trx);
    await PgEventLog.advanceHead(trx, datasetId, last + events.length);
  }

  /** Moves the head past events written at offsets up to `last`, and wakes readers at commit. */
  static async advanceHead(trx: Tx, datasetId: string, last: number): Promise<void> {
    await trx.updateTable('event_heads').set({ last_offset: last }).where('dataset_id', '=', datasetId).execute();
    await sql`select pg_notify('brx_events', ${datasetId})`.execute(trx);
  }

  async read(datasetId: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.#db
      .selectFrom('events')
      .selectAll()
      .where('dataset_id', '=', datasetId)
      .where('offset', '>', after)
      .orderBy('offset')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
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
    }));
  }
}
