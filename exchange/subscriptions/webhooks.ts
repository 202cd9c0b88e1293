import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { cursorSeal } from '../delivery/cursor.ts';
import { authorize, type ReadAccess } from '../policy/read-policy.ts';
import { postWebhook, retryDelayMs } from '../delivery/webhook.ts';
import { nextBatch } from './batch.ts';
import { commitPosition, findSubscription, inSnapshot, type SubscriptionRow } from './store.ts';

const batchSize = 500;
const leaseMs = 120_000;

/**
 * One round of webhook deliveries: each due subscription with events waiting gets its next batch,
 * signed (delivery/webhook.ts). Success commits the batch's position; failure keeps it and
 * schedules a retry with exponential backoff and jitter (capped at an hour). A subscription
 * failing for longer than `giveUpHours` turns `failing`; its events wait, nothing is dropped,
 * and the first success (an hourly retry, or a replay) makes it active again. A lease keeps two
 * processes from delivering the same subscription at once. Returns how many batches were sent.
 */
export async function deliverWebhooks(app: FastifyInstance, giveUpHours = app.config.webhookGiveUpHours): Promise<number> {
  const db = app.db;
  const now = app.clock.now();
  const due = await db
    .selectFrom('subscriptions as s')
    .innerJoin('event_heads as h', 'h.dataset_id', 's.dataset_id')
    .select('s.id')
    .where('s.delivery', '=', 'webhook')
    .where('s.status', '<>', 'cancelled')
    .where((eb) => eb.or([eb('s.next_attempt_at', 'is', null), eb('s.next_attempt_at', '<=', now)]))
    .where((eb) => eb.or([eb('s.lease_until', 'is', null), eb('s.lease_until', '<', now)]))
    .where((eb) => eb.or([eb('s.snapshot_head', 'is not', null), eb('s.cursor', '<', eb.ref('h.last_offset'))]))
    .orderBy('s.next_attempt_at')
    .limit(50)
    .execute();
  let sent = 0;
  for (const { id } of due) {
    const leased = await db
      .updateTable('subscriptions')
      .set({ lease_until: new Date(now.getTime() + leaseMs) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(leased.numUpdatedRows) === 0) continue;
    try {
      if (await deliverOne(app, (await findSubscription(db, id))!, now, giveUpHours)) sent += 1;
    } finally {
      await db.updateTable('subscriptions').set({ lease_until: null }).where('id', '=', id).execute();
    }
  }
  return sent;
}

async function deliverOne(app: FastifyInstance, sub: SubscriptionRow, now: Date, giveUpHours: number): Promise<boolean> {
  const db = app.db;
  const system = await db.selectFrom('systems').select(['id', 'name', 'department_id']).where('id', '=', sub.system_id).executeTakeFirstOrThrow();
  const principal: Principal = { kind: 'system', credentialId: 'webhook', systemId: system.id, name: system.name, departmentId: system.department_id };
  let access: ReadAccess;
  try {
    access = await authorize(app, principal, sub.dataset_code, 'subscribe');
    // a snapshot is a bulk copy for as long as it runs: the file mode must still be granted
    if (inSnapshot(sub)) await authorize(app, principal, sub.dataset_code, 'export');
  } catch (error) {
    // a revoked or expired grant: deliveries wait (a renewed grant resumes them), nothing is skipped
    await failed(app, sub, now, giveUpHours, error instanceof Error ? error.message : String(error));
    return false;
  }
  const seal = await cursorSeal(db);
  const batch = await nextBatch(db, app.events, seal, access, sub, batchSize, now);
  if (batch.events.length === 0) {
    if (batch.moved) await commitPosition(db, app.events, seal, sub, batch.next, now);
    // the grant's records a day are spent: the events wait for the day's renewal, not a retry
    if (batch.quotaRenewsAt) await db.updateTable('subscriptions').set({ next_attempt_at: batch.quotaRenewsAt }).where('id', '=', sub.id).execute();
    return false;
  }
  const body = JSON.stringify({ subscription: sub.id, events: batch.events, next: batch.next });
  const result = await postWebhook(sub.url!, sub.secret!, body, { deliveryId: randomUUID(), now });
  // logged whatever the answer: a timed-out batch may still have reached the receiver
  await app.audit.record(
    access.entry({
      mode: 'webhook',
      outcome: result.ok ? 'ok' : 'error',
      subjectKeys: batch.subjectKeys,
      recordCount: batch.events.filter((e) => e.type !== 'marker').length,
      query: { subscription: sub.id, after: sub.cursor, ...(result.ok ? {} : { error: result.error }) },
    }),
  );
  if (!result.ok) {
    await failed(app, sub, now, giveUpHours, result.error ?? 'failed');
    return false;
  }
  await commitPosition(db, app.events, seal, sub, batch.next, now);
  await db
    .updateTable('subscriptions')
    .set({ status: 'active', attempts: 0, failing_since: null, next_attempt_at: null, last_error: null })
    .where('id', '=', sub.id)
    .execute();
  return true;
}

async function failed(app: FastifyInstance, sub: SubscriptionRow, now: Date, giveUpHours: number, error: string): Promise<void> {
  const attempts = sub.attempts + 1;
  const since = sub.failing_since ?? now;
  const givenUp = now.getTime() - since.getTime() >= giveUpHours * 3_600_000;
  await app.db
    .updateTable('subscriptions')
    .set({
      attempts,
      failing_since: since,
      last_error: error.slice(0, 500),
      next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts)),
      status: givenUp ? 'failing' : sub.status,
    })
    .where('id', '=', sub.id)
    .execute();
  if (givenUp && sub.status !== 'failing') app.log.warn({ subscription: sub.id, since }, 'webhook subscription failing: deliveries wait');
}
