import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { staticRefusal } from '../outbound/post.ts';
import type { Principal } from '../auth/principal.ts';
import { cursorSeal } from '../delivery/cursor.ts';
import { authorize, type ReadAccess } from '../policy/read-policy.ts';
import { postWebhook, retryDelayMs } from '../delivery/webhook.ts';
import { type Batch, nextBatch } from './batch.ts';
import { NotRetained } from '../events/event-log.ts';
import { BrxError } from '../errors.ts';
import { commitPosition, findSubscription, inSnapshot, type SubscriptionRow } from './store.ts';

const batchSize = 500;
const roundSize = 50;
// A claim covers one delivery (one POST), and the lease outlasts the longest one
// (BRX_OUTBOUND_TIMEOUT_MS is at most 120 s): a live sender never loses its lease.
const leaseMs = 300_000;

/**
 * One round of webhook deliveries: each due subscription with events waiting gets its next batch,
 * signed (delivery/webhook.ts) and sent through the outbound rules. Success commits the batch's
 * position; failure keeps it and schedules a retry with exponential backoff and jitter (capped at
 * an hour). A subscription failing for longer than `giveUpHours` turns `failing`; its events
 * wait, nothing is dropped, and the first success (an hourly retry, or a replay) makes it active
 * again. Each delivery is claimed on its own just before it is sent (`for update skip locked`,
 * then a lease from the clock of that moment, as notifications/outbox.ts does), so however long
 * a round takes, two processes never deliver the same subscription at once. Returns how many
 * batches were sent.
 */
export async function deliverWebhooks(app: FastifyInstance, giveUpHours = app.config.webhookGiveUpHours): Promise<number> {
  const taken: string[] = [];
  let sent = 0;
  // one batch per subscription a round: a busy subscription does not hold the others back
  // the datasets with events readers can see, and of them this process's share of the deliveries
  const heads = await app.events.heads();
  const share = app.events.deliveryShare();
  const due = [...heads].filter(([id]) => !share || share.has(id));
  while (taken.length < roundSize && due.length) {
    const claim = await claimNext(app.db, app.clock.now(), due, taken);
    if (!claim) break;
    taken.push(claim.id);
    try {
      const sub = await findSubscription(app.db, claim.id);
      if (sub && (await deliverOne(app, sub, app.clock.now(), giveUpHours))) sent += 1;
    } finally {
      // only our own lease: had it run out and been taken over, the new holder keeps it
      await app.db.updateTable('subscriptions').set({ lease_until: null }).where('id', '=', claim.id).where('lease_until', '=', claim.lease_until).execute();
    }
  }
  return sent;
}

async function claimNext(db: Db, now: Date, heads: readonly [string, number][], taken: readonly string[]): Promise<{ id: string; lease_until: Date } | undefined> {
  const { rows } = await sql<{ id: string; lease_until: Date }>`
    update subscriptions s set lease_until = ${new Date(now.getTime() + leaseMs)}
      from (select s.id from subscriptions s
              join unnest(${heads.map(([id]) => id)}::uuid[], ${heads.map(([, head]) => head)}::bigint[]) h(dataset_id, last_offset)
                on h.dataset_id = s.dataset_id
             where s.delivery = 'webhook' and s.status <> 'cancelled'
               and (s.next_attempt_at is null or s.next_attempt_at <= ${now})
               and (s.lease_until is null or s.lease_until < ${now})
               and (s.snapshot_head is not null or s.cursor < h.last_offset)
               and not (s.id = any(${taken}::uuid[]))
             order by s.next_attempt_at limit 1 for update of s skip locked) due
     where s.id = due.id
    returning s.id, s.lease_until`.execute(db);
  return rows[0];
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
  let batch: Batch;
  try {
    batch = await nextBatch(db, app.events, seal, access, sub, batchSize, now);
  } catch (error) {
    // behind the backbone's retention (it must re-snapshot), or the backbone away: this subscription
    // waits and retries with backoff, saying why; the others of the round go on
    if (!(error instanceof NotRetained || (error instanceof BrxError && error.code === 'BRX_ERR_UNAVAILABLE'))) throw error;
    await failed(app, sub, now, giveUpHours, error instanceof NotRetained ? `${error.message}: POST /v1/subscriptions/${sub.id}/replay with {"snapshot": true}` : error.message);
    return false;
  }
  if (batch.events.length === 0) {
    if (batch.moved) await commitPosition(db, app.events, seal, sub, batch.next, now);
    // the grant's records a day are spent: the events wait for the day's renewal, not a retry
    if (batch.quotaRenewsAt) await db.updateTable('subscriptions').set({ next_attempt_at: batch.quotaRenewsAt }).where('id', '=', sub.id).execute();
    return false;
  }
  const deliveryId = randomUUID();
  const refusal = (error: string) =>
    access.entry({ mode: 'webhook', outcome: 'error', recordCount: 0, query: { subscription: sub.id, after: sub.cursor, delivery: deliveryId, error } });
  const secret = openSecret(app, sub);
  const problem = secret === null ? 'secret cannot be decrypted' : staticRefusal(app.outbound, sub.url!);
  if (problem) {
    // refused before anything left: logged as a failed delivery carrying no records
    await app.audit.record(refusal(problem));
    await failed(app, sub, now, giveUpHours, problem);
    return false;
  }
  const body = JSON.stringify({ subscription: sub.id, events: batch.events, next: batch.next });
  // Logged (committed: record() resolves once its entry is in the database) before the POST
  // leaves, so a crash between the two can leave a delivery logged and not sent, never sent and
  // not logged. Its outcome is 'sent', not 'ok': at this point nobody knows whether the receiver
  // will get it. A failure is logged again after, under the same delivery id and without the
  // records; its error class tells the subject report whether anything can have left
  // (audit/subject-report.ts).
  await app.audit.record(
    access.entry({
      mode: 'webhook',
      outcome: 'sent',
      subjectKeys: batch.subjectKeys,
      recordCount: batch.events.filter((e) => e.type !== 'marker').length,
      query: { subscription: sub.id, after: sub.cursor, delivery: deliveryId },
    }),
  );
  const result = await postWebhook(app.outbound, sub.url!, secret!, body, { deliveryId, clock: app.clock });
  if (!result.ok) {
    await app.audit.record(refusal(result.error ?? 'failed'));
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

function openSecret(app: FastifyInstance, sub: SubscriptionRow): string | null {
  try {
    return app.secrets.open(sub.secret!, 'subscriptions.secret');
  } catch (error) {
    // the reason names a key id and a column, never the secret
    app.log.error({ subscription: sub.id, reason: (error as Error).message }, 'a webhook secret cannot be decrypted');
    return null;
  }
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
