import { sql } from 'kysely';
import type { SubscriptionEvent, SubscriptionPosition } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import type { CursorSeal } from '../delivery/cursor.ts';
import type { ReadAccess } from '../policy/read-policy.ts';
import type { EventLog, StoredEvent } from '../events/event-log.ts';
import { recordPage } from '../records/read.ts';
import { inSnapshot, type SubscriptionRow } from './store.ts';

export interface Batch {
  readonly events: SubscriptionEvent[];
  /** what to acknowledge once these events are processed */
  readonly next: SubscriptionPosition;
  /** whose records the batch carries, for the access log */
  readonly subjectKeys: string[];
  /** the position moved (events were scanned, even if none was within the grant's rows) */
  readonly moved: boolean;
  /** the grant's records a day are spent: the rest waits until then (nothing is dropped) */
  readonly quotaRenewsAt?: Date;
}

/**
 * The next events of a subscription after its committed position, as its grant shows them. While
 * a snapshot is delivered: current records last changed at or before the snapshot's offset, in
 * key order, then the marker. Then: changes in offset order; events outside the grant's rows are
 * skipped but still move the position, so they are never scanned twice. The grant's records a
 * day count every record delivered: past it, the batch stops before the first record it may not
 * carry and that record waits for the next day.
 */
export async function nextBatch(db: Db, events: EventLog, seal: CursorSeal, access: ReadAccess, sub: SubscriptionRow, limit: number, now: Date, from = sub.cursor): Promise<Batch> {
  const dataset = access.dataset.code;
  if (inSnapshot(sub)) {
    const head = sub.snapshot_head!;
    const found = await recordPage(db, access, { after: sub.snapshot_after ?? undefined, limit, atMostOffset: head });
    // records delivered before (and not acknowledged) were paid for then: they come again free
    const free = sub.charged_key === null ? 0 : found.filter((r) => r.key <= sub.charged_key!).length;
    const allowed = free + (await access.takeUpTo(db, found.length - free, now, (trx, n) => markCharged(trx, sub.id, { key: found[free + n - 1]!.key })));
    const page = found.slice(0, allowed);
    const out: SubscriptionEvent[] = page.map((r) => ({
      type: 'snapshot',
      offset: r.offset,
      dataset,
      ...shownKey(access, r.key),
      op: 'upsert',
      data: access.view(r.data),
      contractVersion: r.contract_version,
      dispute: access.disputes(r.dispute),
      sourceTime: r.source_time.toISOString(),
    }));
    const done = found.length < limit && allowed === found.length;
    if (done) out.push({ type: 'marker', offset: head, dataset });
    const last = page[page.length - 1];
    return {
      events: out,
      next: done ? { offset: head } : { cursor: seal.seal(last ? last.key : (sub.snapshot_after ?? '')) },
      subjectKeys: access.subjectKeys(page),
      moved: out.length > 0,
      ...(allowed < found.length ? { quotaRenewsAt: access.quotaRenewsAt(now) } : {}),
    };
  }
  const stored = await events.read(sub.dataset_id, from, limit);
  const shown = await withinRows(events, access, stored);
  // deletions carry no record and cost nothing; every record counts once, the first time it is
  // delivered (a redelivery was paid for then)
  const fresh = (e: StoredEvent) => e.op === 'upsert' && e.offset > sub.charged_offset;
  const records = shown.filter(fresh).length;
  // where the batch stops when only `n` records may go: before the (n+1)th fresh one
  const cutAt = (n: number) => {
    let seen = 0;
    return n >= records ? shown.length : shown.findIndex((e) => fresh(e) && ++seen > n);
  };
  const allowed = await access.takeUpTo(db, records, now, (trx, n) => markCharged(trx, sub.id, { offset: shown[cutAt(n) - 1]!.offset }));
  const cut = cutAt(allowed);
  const delivered = shown.slice(0, cut);
  // the position stops just before the first event that waits; all of it when none waits
  const nextOffset = cut < shown.length ? shown[cut]!.offset - 1 : stored.length ? stored[stored.length - 1]!.offset : from;
  return {
    events: delivered.map((e) => changeEvent(access, e)),
    next: { offset: nextOffset },
    subjectKeys: access.subjectKeys(delivered.map((e) => ({ key: e.key, data: e.data as Record<string, unknown> | null }))),
    moved: nextOffset > from,
    ...(cut < shown.length ? { quotaRenewsAt: access.quotaRenewsAt(now) } : {}),
  };
}

/** Remembers how far the grant's quota has paid for this subscription's deliveries. */
async function markCharged(db: Tx, id: string, through: { offset: number } | { key: string }): Promise<void> {
  await db
    .updateTable('subscriptions')
    .set((eb) =>
      'offset' in through
        ? { charged_offset: sql<number>`greatest(${eb.ref('charged_offset')}, ${through.offset})` }
        : { charged_key: sql<string>`greatest(coalesce(${eb.ref('charged_key')}, ''), ${through.key})` },
    )
    .where('id', '=', id)
    .execute();
}

const shownKey = (access: ReadAccess, key: string) => {
  const shown = access.shownKey(key);
  return shown === undefined ? {} : { key: shown };
};

export function changeEvent(access: ReadAccess, e: StoredEvent): SubscriptionEvent {
  return {
    type: 'change',
    offset: e.offset,
    dataset: access.dataset.code,
    ...shownKey(access, e.key),
    op: e.op,
    data: e.op === 'delete' ? null : access.view(e.data as Record<string, unknown> | null),
    contractVersion: e.contractVersion,
    dispute: access.disputes(e.dispute),
    sourceTime: e.sourceTime.toISOString(),
    committedAt: e.committedAt.toISOString(),
  };
}

/**
 * Events as a consumer with row scope sees them. Out of scope ≡ deleted: a change that moves a
 * record out of the grant's rows reaches the consumer as a deletion, a deletion reaches it only
 * when the consumer could see the version it removes, and changes of other rows not at all. Each
 * event is judged against the key's version just before it: one query per batch for the
 * versions before the batch, then the batch itself in order.
 */
async function withinRows(events: EventLog, access: ReadAccess, stored: StoredEvent[]): Promise<StoredEvent[]> {
  if (!access.rowFilter || stored.length === 0) return stored;
  const needBefore = [...new Set(stored.filter((e) => e.op === 'delete' || !access.inScope(e.data as Record<string, unknown>)).map((e) => e.key))];
  const visibleBefore = new Map<string, boolean>();
  for (const [key, e] of await events.lastBefore(stored[0]!.datasetId, needBefore, stored[0]!.offset)) {
    visibleBefore.set(key, e.data !== null && access.inScope(e.data as Record<string, unknown>));
  }
  const out: StoredEvent[] = [];
  for (const e of stored) {
    const wasVisible = visibleBefore.get(e.key) ?? false;
    const isVisible = e.op === 'upsert' && access.inScope(e.data as Record<string, unknown>);
    if (isVisible) out.push(e);
    else if (wasVisible) out.push({ ...e, op: 'delete', data: null });
    visibleBefore.set(e.key, isVisible);
  }
  return out;
}
