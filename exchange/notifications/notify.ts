import type { Notification } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';

export type NotificationKind = Notification['kind'];

export interface NewNotification {
  readonly kind: NotificationKind;
  readonly title: string;
  readonly caseId?: string | null;
  readonly grantId?: string | null;
  readonly detail?: Record<string, unknown>;
  /** one notification per key, ever: scheduled sweeps may run again without telling twice */
  readonly dedupe?: string;
}

/**
 * Puts a notification in each person's inbox and in the system's; a system with a notify URL
 * also gets it as a webhook, sent by the outbox after this transaction commits.
 */
export async function notify(
  trx: Tx,
  to: { users?: readonly (string | null)[]; system?: string | null },
  n: NewNotification,
  now: Date,
): Promise<void> {
  const users = [...new Set((to.users ?? []).filter((u): u is string => Boolean(u)))];
  const base = {
    case_id: n.caseId ?? null,
    grant_id: n.grantId ?? null,
    kind: n.kind,
    title: n.title,
    detail: JSON.stringify(n.detail ?? {}),
    created_at: now,
  };
  const rows: Parameters<ReturnType<Tx['insertInto']>['values']>[0][] = users.map((u) => ({
    ...base,
    user_id: u,
    dedupe: n.dedupe ? `${n.dedupe}:u:${u}` : null,
  }));
  if (to.system) {
    const system = await trx.selectFrom('systems').select('notify_url').where('id', '=', to.system).executeTakeFirst();
    rows.push({
      ...base,
      system_id: to.system,
      dedupe: n.dedupe ? `${n.dedupe}:s:${to.system}` : null,
      ...(system?.notify_url ? { delivery: 'pending', next_attempt_at: now } : {}),
    });
  }
  if (rows.length === 0) return;
  // biome-ignore lint/suspicious/noExplicitAny: rows are built for this table above
  await trx.insertInto('notifications').values(rows as any).onConflict((oc) => oc.column('dedupe').where('dedupe', 'is not', null).doNothing()).execute();
}

export async function inboxOf(
  db: Db,
  owner: { userId: string } | { systemId: string },
  q: { unread?: boolean; before?: number; limit: number },
) {
  let query = db
    .selectFrom('notifications as n')
    .leftJoin('cases as c', 'c.id', 'n.case_id')
    .select(['n.id', 'n.kind', 'n.title', 'n.grant_id', 'n.detail', 'n.created_at', 'n.read_at', 'c.tracking_no'])
    .orderBy('n.id', 'desc')
    .limit(q.limit);
  query = 'userId' in owner ? query.where('n.user_id', '=', owner.userId) : query.where('n.system_id', '=', owner.systemId);
  if (q.unread) query = query.where('n.read_at', 'is', null);
  if (q.before) query = query.where('n.id', '<', q.before);
  const rows = await query.execute();
  return rows.map(
    (r): Notification => ({
      id: r.id,
      kind: r.kind as NotificationKind,
      title: r.title,
      caseNo: r.tracking_no,
      grantId: r.grant_id,
      detail: r.detail as Record<string, unknown>,
      createdAt: r.created_at.toISOString(),
      readAt: r.read_at?.toISOString() ?? null,
    }),
  );
}
