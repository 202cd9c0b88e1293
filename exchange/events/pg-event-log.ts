import { sql } from 'kysely';
import type pg from 'pg';
import { type Db, dedicatedClient, type Tx } from '../db/database.ts';
import type { Dispute, EventLog, NewEvent, StoredEvent } from './event-log.ts';

/**
 * The event log in PostgreSQL. Offsets come from the dataset's row in event_heads, updated in the
 * appending transaction: the row lock is held until commit, so a second writer of the dataset
 * waits there and takes its offsets only after the first has committed (or rolled back, which
 * also rolls the counter back: offsets stay dense). Offsets are therefore committed in
 * increasing order, and a reader can never see N+1 before N. The cost is that the appends of one
 * dataset are serialised; different datasets append in parallel. NOTIFY is sent as a wake-up
 * only (delivered at commit, carrying the new head); readers always read the table.
 */
export class PgEventLog implements EventLog {
  readonly #db: Db;
  /** waiters per dataset: each is told the head a notification announced */
  readonly #waiters = new Map<string, Set<(head: number | null) => void>>();
  #listener: Promise<pg.Client> | null = null;
  #closed = false;

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

  /**
   * Writes events at offsets after `last` (the head must be locked by this transaction) and moves the head.
   * Their commit time is stamped now, under the head lock, not at the transaction's start: so it
   * grows with the offsets of the dataset, and `asOf` never finds an event whose transaction had
   * begun by then but committed later. What remains is the moment between this statement and the
   * commit (the rest of the batch's writes): an `asOf` inside it sees the event a little early,
   * never one out of offset order.
   */
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
      insert into events (dataset_id, "offset", key, op, data, contract_version, source_time, batch_id, dispute, committed_at)
      select ${datasetId}::uuid, r."offset", r.key, r.op, r.data, r.contract_version, r.source_time, r.batch_id, r.dispute, clock_timestamp()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r("offset" bigint, key text, op text, data jsonb, contract_version text, source_time timestamptz, batch_id text, dispute jsonb)`.execute(trx);
    await PgEventLog.advanceHead(trx, datasetId, last + events.length);
  }

  /** Moves the head past events written at offsets up to `last`, and wakes readers at commit. */
  static async advanceHead(trx: Tx, datasetId: string, last: number): Promise<void> {
    await trx.updateTable('event_heads').set({ last_offset: last }).where('dataset_id', '=', datasetId).execute();
    await sql`select pg_notify('brx_events', ${`${datasetId}:${last}`})`.execute(trx);
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

  async head(datasetId: string): Promise<number> {
    const row = await this.#db.selectFrom('event_heads').select('last_offset').where('dataset_id', '=', datasetId).executeTakeFirst();
    return row?.last_offset ?? 0;
  }

  /**
   * One LISTEN connection per process serves every waiter: a notification names the dataset and
   * its new head, so waking costs no query. The waiter registers before it checks the head, so
   * a commit between the check and the wait still wakes it. If the connection drops, every
   * waiter is woken to look again (a missed notification can only delay, never lose, an event).
   */
  async wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed || signal?.aborted) return false;
    await this.#listen();
    if (this.#closed || signal?.aborted) return false; // aborted while connecting
    const waiters = this.#waiters.get(datasetId) ?? new Set();
    this.#waiters.set(datasetId, waiters);
    let resolveWait!: (woken: boolean) => void;
    const done = new Promise<boolean>((resolve) => (resolveWait = resolve));
    const finish = (woken: boolean) => {
      clearTimeout(timer);
      waiters.delete(onNotice);
      signal?.removeEventListener('abort', onAbort);
      resolveWait(woken);
    };
    const onNotice = (head: number | null) => {
      if (this.#closed) return finish(false);
      if (head === null) this.head(datasetId).then((h) => h > after && finish(true), () => finish(false));
      else if (head > after) finish(true);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    waiters.add(onNotice);
    signal?.addEventListener('abort', onAbort);
    onNotice(null);
    return done;
  }

  get waiting(): number {
    let n = 0;
    for (const waiters of this.#waiters.values()) n += waiters.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const w of [...waiters]) w(null);
    const listener = this.#listener;
    this.#listener = null;
    if (listener) await listener.then((c) => c.end()).catch(() => {});
  }

  async #listen(): Promise<void> {
    this.#listener ??= (async () => {
      const client = dedicatedClient(this.#db);
      client.on('notification', (message) => {
        const [datasetId, head] = (message.payload ?? '').split(':');
        for (const w of [...(this.#waiters.get(datasetId!) ?? [])]) w(Number(head));
      });
      const lost = () => {
        if (this.#listener === connecting) this.#listener = null;
        client.end().catch(() => {});
        for (const waiters of this.#waiters.values()) for (const w of [...waiters]) w(null);
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      await client.query('listen brx_events');
      return client;
    })();
    const connecting = this.#listener;
    try {
      await connecting;
    } catch (error) {
      if (this.#listener === connecting) this.#listener = null;
      throw error;
    }
  }
}
