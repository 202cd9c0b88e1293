import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { postWebhook, retryDelayMs } from '../delivery/webhook.ts';

export interface OutboxReport {
  delivered: number;
  retried: number;
  failed: number;
}

// A claimed delivery is leased: another process takes it over only if this one dies mid-send.
const leaseMs = 60_000;

/**
 * Sends due webhook notifications to systems with a notify URL. Failures are retried with
 * backoff; after `giveUpHours` the notification is marked failed (it stays in the inbox).
 */
export async function deliverNotifications(db: Db, now: Date, giveUpHours: number, limit = 50): Promise<OutboxReport> {
  const { rows } = await sql<{ id: number; url: string; secret: string | null; payload: Record<string, unknown>; attempts: number; created_at: Date }>`
    update notifications n set next_attempt_at = ${new Date(now.getTime() + leaseMs)}
      from systems s, (select id from notifications
                        where delivery = 'pending' and next_attempt_at <= ${now}
                        order by next_attempt_at limit ${limit} for update skip locked) due
     where n.id = due.id and s.id = n.system_id
    returning n.id, s.notify_url as url, s.notify_secret as secret, n.attempts, n.created_at,
              jsonb_build_object('id', n.id, 'kind', n.kind, 'title', n.title, 'grantId', n.grant_id, 'detail', n.detail,
                                 'createdAt', n.created_at,
                                 'caseNo', (select tracking_no from cases where id = n.case_id)) as payload`.execute(db);
  const report = { delivered: 0, retried: 0, failed: 0 };
  for (const row of rows) {
    const attempts = row.attempts + 1;
    const result =
      row.url && row.secret
        ? await postWebhook(row.url, row.secret, JSON.stringify(row.payload), { deliveryId: `notification-${row.id}`, now })
        : { ok: false, error: 'the system has no notify URL and secret' };
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
  return report;
}
