import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { postWebhook, retryDelayMs, type WebhookResult } from '../delivery/webhook.ts';

export interface OutboxReport {
  delivered: number;
  retried: number;
  failed: number;
}

// A claimed delivery is leased: another process takes it over only if this one dies mid-send.
// A claim covers one send, and the lease outlasts the longest send (BRX_OUTBOUND_TIMEOUT_MS is
// at most 120 s), so a live sender never loses its lease.
const leaseMs = 300_000;

/**
 * Sends due webhook notifications to systems with a notify URL, through the outbound rules.
 * Failures are retried with backoff; after `giveUpHours` the notification is marked failed (it
 * stays in the inbox). Each notification is claimed on its own (`for update skip locked`, then a
 * lease), just before it is sent: a slow receiver cannot make a later claim's lease run out.
 */
export async function deliverNotifications(app: FastifyInstance, now = app.clock.now(), limit = 50): Promise<OutboxReport> {
  const report = { delivered: 0, retried: 0, failed: 0 };
  for (let i = 0; i < limit; i++) {
    const claimed = await claimNext(app, i === 0 ? now : laterOf(now, app.clock.now()));
    if (!claimed) break;
    await deliverOne(app, claimed, laterOf(now, app.clock.now()), report);
  }
  return report;
}

// the round's "now" is a floor: tests pass one ahead of the app's clock to make retries due
const laterOf = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

type Claimed = { id: number; url: string; secret: string | null; payload: Record<string, unknown>; attempts: number; created_at: Date };

async function claimNext(app: FastifyInstance, now: Date): Promise<Claimed | undefined> {
  const { rows } = await sql<Claimed>`
    update notifications n set next_attempt_at = ${new Date(now.getTime() + leaseMs)}
      from systems s, (select id from notifications
                        where delivery = 'pending' and next_attempt_at <= ${now}
                        order by next_attempt_at limit 1 for update skip locked) due
     where n.id = due.id and s.id = n.system_id
    returning n.id, s.notify_url as url, s.notify_secret as secret, n.attempts, n.created_at,
              jsonb_build_object('id', n.id, 'kind', n.kind, 'title', n.title, 'grantId', n.grant_id, 'detail', n.detail,
                                 'createdAt', n.created_at,
                                 'caseNo', (select tracking_no from cases where id = n.case_id)) as payload`.execute(app.db);
  return rows[0];
}

async function deliverOne(app: FastifyInstance, row: Claimed, now: Date, report: OutboxReport): Promise<void> {
  const db = app.db;
  const giveUpHours = app.config.webhookGiveUpHours;
  const attempts = row.attempts + 1;
  let result: WebhookResult;
  if (!row.url || !row.secret) result = { ok: false, error: 'the system has no notify URL and secret' };
  else {
    let secret: string | null = null;
    try {
      secret = app.secrets.open(row.secret, 'systems.notify_secret');
    } catch (error) {
      app.log.error({ notification: row.id, reason: (error as Error).message }, 'a notify secret cannot be decrypted');
    }
    result = secret
      ? await postWebhook(app.outbound, row.url, secret, JSON.stringify(row.payload), { deliveryId: `notification-${row.id}`, clock: app.clock })
      : { ok: false, error: 'secret cannot be decrypted' };
  }
  if (result.ok) {
    await db.updateTable('notifications').set({ delivery: 'delivered', attempts, last_error: null, next_attempt_at: null }).where('id', '=', row.id).execute();
    report.delivered += 1;
  } else if (now.getTime() - row.created_at.getTime() > giveUpHours * 3_600_000) {
    await db.updateTable('notifications').set({ delivery: 'failed', attempts, last_error: result.error ?? null, next_attempt_at: null }).where('id', '=', row.id).execute();
    report.failed += 1;
  } else {
    const next = new Date(now.getTime() + retryDelayMs(attempts));
    await db.updateTable('notifications').set({ attempts, last_error: result.error ?? null, next_attempt_at: next }).where('id', '=', row.id).execute();
    report.retried += 1;
  }
}
