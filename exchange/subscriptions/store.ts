import type { Subscription, SubscriptionPosition } from '../../contracts/generated/api.ts';
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/database.ts';
import type { SubscriptionsTable } from '../db/schema.ts';
import { conflict, notFound } from '../errors.ts';
import type { CursorSeal } from '../delivery/cursor.ts';
import type { EventLog } from '../events/event-log.ts';
import type { Selectable } from 'kysely';
import { dayOf, endOfDay } from '../cases/calendar.ts';
import { grantsOf } from '../policy/grant-cache.ts';
import { type GrantRow, pickGrant } from '../policy/grants.ts';

export type SubscriptionRow = Selectable<SubscriptionsTable> & { dataset_code: string };

const subscriptionQuery = (db: Db | Tx) =>
  db.selectFrom('subscriptions as s').innerJoin('datasets as d', 'd.id', 's.dataset_id').selectAll('s').select('d.code as dataset_code');

export async function findSubscription(db: Db | Tx, id: string): Promise<SubscriptionRow | undefined> {
  return subscriptionQuery(db).where('s.id', '=', id).executeTakeFirst();
}

export async function subscriptionsOf(db: Db, systemId: string): Promise<SubscriptionRow[]> {
  return subscriptionQuery(db).where('s.system_id', '=', systemId).where('s.status', '<>', 'cancelled').orderBy('s.created_at').execute();
}

/** A subscription its system (or an auditor or platform admin) may see; anyone else gets 404. */
export async function visibleSubscription(db: Db, id: string, p: Principal, canOversee: boolean): Promise<SubscriptionRow> {
  const sub = await findSubscription(db, id);
  if (!sub || sub.status === 'cancelled' || !(canOversee || (p.kind === 'system' && p.systemId === sub.system_id))) throw notFound(`No subscription ${id}`);
  return sub;
}

export const inSnapshot = (sub: Pick<SubscriptionRow, 'snapshot_head'>) => sub.snapshot_head !== null;

/**
 * Commits a position the consumer has processed (an ack, or a webhook batch accepted). Idempotent
 * and monotonic: an offset at or below the committed one changes nothing (at-least-once
 * delivery acknowledges some events twice). An offset beyond the head, or the wrong kind of
 * position for the phase, is a 409 that says what to send.
 */
export async function commitPosition(db: Db, events: EventLog, seal: CursorSeal, sub: SubscriptionRow, position: SubscriptionPosition, now: Date): Promise<void> {
  if (position.cursor !== undefined) {
    if (!inSnapshot(sub)) throw conflict('The snapshot is complete: acknowledge offsets now (the next of the last batch)');
    const key = seal.open(position.cursor);
    await db
      .updateTable('subscriptions')
      .set({ snapshot_after: key, last_delivery_at: now })
      .where('id', '=', sub.id)
      .where((eb) => eb.or([eb('snapshot_after', 'is', null), eb('snapshot_after', '<', key)]))
      .execute();
    return;
  }
  const offset = position.offset!;
  if (inSnapshot(sub) && offset < sub.snapshot_head!) {
    throw conflict(`The snapshot is still being delivered: acknowledge its cursor, or offset ${sub.snapshot_head} (the marker) to skip the rest`);
  }
  const head = await events.head(sub.dataset_id);
  if (offset > head) throw conflict(`Offset ${offset} is beyond the last event (${head}) of ${sub.dataset_code}`);
  await db
    .updateTable('subscriptions')
    .set((eb) => ({
      cursor: offset,
      snapshot_head: null,
      snapshot_after: null,
      delivered: eb('delivered', '+', Math.max(0, offset - sub.cursor)),
      last_delivery_at: now,
    }))
    .where('id', '=', sub.id)
    .where((eb) => eb.or([eb('cursor', '<', offset), eb('snapshot_head', 'is not', null)]))
    .execute();
}

export async function presentSubscription(db: Db, events: EventLog, sub: SubscriptionRow, now: Date): Promise<Subscription> {
  const head = await events.head(sub.dataset_id);
  // when the oldest event waiting was committed (history: whatever the backbone still holds)
  const oldest = head > sub.cursor ? await events.committedAt(sub.dataset_id, sub.cursor + 1) : undefined;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: sub.id,
    dataset: sub.dataset_code,
    systemId: sub.system_id,
    grantId: sub.grant_id,
    delivery: sub.delivery,
    url: sub.url,
    start: sub.start,
    status: sub.status,
    position: { offset: sub.cursor, inSnapshot: inSnapshot(sub) },
    lag: { events: Math.max(0, head - sub.cursor), seconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0 },
    delivered: sub.delivered,
    lastDeliveryAt: iso(sub.last_delivery_at),
    lastError: sub.last_error,
    failingSince: iso(sub.failing_since),
    attempts: sub.attempts,
    nextAttemptAt: iso(sub.next_attempt_at),
    quota: await quotaOf(db, sub, now),
    createdAt: sub.created_at.toISOString(),
  };
}

/** The daily quota of the grant the read policy applies to this subscription, and today's use. */
async function quotaOf(db: Db, sub: SubscriptionRow, now: Date): Promise<Subscription['quota']> {
  let grant: GrantRow;
  try {
    grant = pickGrant(await grantsOf(db, sub.system_id, sub.dataset_id), 'subscribe', now);
  } catch {
    return null;
  }
  if (!grant.records_per_day) return null;
  const day = dayOf(now);
  const used = (await db.selectFrom('grant_usage').select('records').where('grant_id', '=', grant.id).where('day', '=', day).executeTakeFirst())?.records ?? 0;
  const spent = used >= grant.records_per_day;
  return { recordsPerDay: grant.records_per_day, usedToday: used, waitingUntil: spent ? new Date(endOfDay(day).getTime() + 1).toISOString() : null };
}
