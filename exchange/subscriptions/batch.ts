import type { SubscriptionEvent, SubscriptionPosition } from '../../contracts/generated/api.ts';
import type { Db } from '../db/database.ts';
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
}

/**
 * The next events of a subscription after its committed position, as its grant shows them. While
 * a snapshot is delivered: current records last changed at or before the snapshot's offset, in
 * key order, then the marker. Then: changes in offset order; events outside the grant's rows are
 * skipped but still move the position, so they are never scanned twice.
 */
export async function nextBatch(db: Db, events: EventLog, seal: CursorSeal, access: ReadAccess, sub: SubscriptionRow, limit: number, from = sub.cursor): Promise<Batch> {
  const dataset = access.dataset.code;
  if (inSnapshot(sub)) {
    const head = sub.snapshot_head!;
    const page = await recordPage(db, access, { after: sub.snapshot_after ?? undefined, limit, atMostOffset: head });
    const out: SubscriptionEvent[] = page.map((r) => ({
      type: 'snapshot',
      offset: r.offset,
      dataset,
      ...shownKey(access, r.key),
      op: 'upsert',
      data: access.view(r.data),
      contractVersion: r.contract_version,
      dispute: r.dispute ?? null,
      sourceTime: r.source_time.toISOString(),
    }));
    const done = page.length < limit;
    if (done) out.push({ type: 'marker', offset: head, dataset });
    return {
      events: out,
      next: done ? { offset: head } : { cursor: seal.seal(page[page.length - 1]!.key) },
      subjectKeys: access.subjectKeys(page),
      moved: true,
    };
  }
  const stored = await events.read(sub.dataset_id, from, limit);
  const shown = await withinRows(db, access, stored);
  return {
    events: shown.map((e) => changeEvent(access, e)),
    next: { offset: stored.length ? stored[stored.length - 1]!.offset : from },
    subjectKeys: access.subjectKeys(shown.map((e) => ({ key: e.key, data: e.data as Record<string, unknown> | null }))),
    moved: stored.length > 0,
  };
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
    dispute: e.dispute ?? null,
    sourceTime: e.sourceTime.toISOString(),
    committedAt: e.committedAt.toISOString(),
  };
}

/**
 * Events within the grant's rows. A delete carries no record, so it is judged by the version it
 * removes: a consumer hears of the deletion of a record it could see, and of no other.
 */
async function withinRows(db: Db, access: ReadAccess, stored: StoredEvent[]): Promise<StoredEvent[]> {
  if (!access.rowFilter) return stored;
  const out: StoredEvent[] = [];
  for (const e of stored) {
    if (e.op === 'upsert') {
      if (access.inScope(e.data as Record<string, unknown>)) out.push(e);
      continue;
    }
    const before = await db
      .selectFrom('events')
      .select('data')
      .where('dataset_id', '=', e.datasetId)
      .where('key', '=', e.key)
      .where('offset', '<', e.offset)
      .where('op', '=', 'upsert')
      .orderBy('offset', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (before && access.inScope(before.data as Record<string, unknown>)) out.push(e);
  }
  return out;
}
