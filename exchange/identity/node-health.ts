import type { NodeHeartbeat, NodeStatus } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import { notify } from '../notifications/notify.ts';

/** The offline sweep's own advisory lock: it must not wait on (or skip) the case scheduler's. */
export const nodeSweepLock = 0x62727802;

/** A node is offline once this many of its heartbeats in a row are missing. */
const missedBeats = 3;

const dueBy = (last: Date, intervalSeconds: number) => new Date(last.getTime() + missedBeats * intervalSeconds * 1000);

/** Keeps a node's report; a node back from an outage is online again (its next outage is told anew). */
export async function recordHeartbeat(db: Db, nodeId: string, report: NodeHeartbeat, now: Date): Promise<void> {
  await db
    .updateTable('nodes')
    .set({ last_heartbeat_at: now, heartbeat: JSON.stringify(report), offline_since: null })
    .where('id', '=', nodeId)
    .execute();
}

export async function nodeStatus(db: Db, nodeId: string, now: Date): Promise<(NodeStatus & { departmentId: string }) | null> {
  const row = await db
    .selectFrom('nodes')
    .select(['id', 'name', 'department_id', 'last_heartbeat_at', 'heartbeat', 'offline_since'])
    .where('id', '=', nodeId)
    .executeTakeFirst();
  if (!row) return null;
  const report = (row.heartbeat as NodeHeartbeat | null) ?? null;
  const online = row.last_heartbeat_at !== null && dueBy(row.last_heartbeat_at, report?.intervalSeconds ?? 30) > now;
  return {
    id: row.id,
    name: row.name,
    departmentId: row.department_id,
    online,
    lastHeartbeatAt: row.last_heartbeat_at?.toISOString() ?? null,
    // before the sweep has flagged it: since the first missing beat was due
    offlineSince: online || !row.last_heartbeat_at ? null : (row.offline_since ?? new Date(row.last_heartbeat_at.getTime() + (report?.intervalSeconds ?? 30) * 1000)).toISOString(),
    report,
  };
}

/**
 * One sweep: every active node that has reported before and whose beats stopped is flagged
 * offline, and its department's admins (or, for a department without any, the platform admins)
 * are told — once per outage, whichever exchange process sweeps.
 */
export async function flagOfflineNodes(trx: Tx, now: Date): Promise<number> {
  const candidates = await trx
    .selectFrom('nodes')
    .select(['id', 'name', 'department_id', 'last_heartbeat_at', 'heartbeat'])
    .where('status', '=', 'active')
    .where('offline_since', 'is', null)
    .where('last_heartbeat_at', 'is not', null)
    .execute();
  let flagged = 0;
  for (const node of candidates) {
    const interval = (node.heartbeat as NodeHeartbeat | null)?.intervalSeconds ?? 30;
    const due = dueBy(node.last_heartbeat_at!, interval);
    if (due > now) continue;
    const since = new Date(node.last_heartbeat_at!.getTime() + interval * 1000);
    await trx.updateTable('nodes').set({ offline_since: since }).where('id', '=', node.id).where('offline_since', 'is', null).execute();
    const admins = await trx.selectFrom('user_roles').select('user_id').distinct().where('department_id', '=', node.department_id).where('role', '=', 'dept_admin').execute();
    const platform = admins.length ? [] : await trx.selectFrom('user_roles').select('user_id').distinct().where('role', '=', 'platform_admin').execute();
    await notify(
      trx,
      { users: [...admins, ...platform].map((r) => r.user_id) },
      {
        kind: 'node_offline',
        title: `前置机 ${node.name} 已离线: no heartbeat since ${node.last_heartbeat_at!.toISOString()}`,
        detail: { nodeId: node.id, lastHeartbeatAt: node.last_heartbeat_at!.toISOString(), offlineSince: since.toISOString() },
        dedupe: `node-offline:${node.id}:${node.last_heartbeat_at!.toISOString()}`,
      },
      now,
    );
    flagged += 1;
  }
  return flagged;
}
