import { sql } from 'kysely';
import type { Node, System } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';

/** Nodes publish, systems consume; both are a department's machines holding API keys. */
export type MachineKind = 'node' | 'system';

export const tableOf = { node: 'nodes', system: 'systems' } as const;

export interface MachineRow {
  id: string;
  department_id: string;
  name: string;
  public_key?: string;
  description?: string | null;
  notify_url?: string | null;
  notify_secret?: string | null;
  status: 'active' | 'disabled';
  created_at: Date;
  live_keys: number;
}

export async function listMachines(db: Db | Tx, kind: MachineKind, departmentId: string, id?: string): Promise<MachineRow[]> {
  const owner = sql.ref(kind === 'node' ? 'c.node_id' : 'c.system_id');
  const { rows } = await sql<MachineRow>`
    select m.*,
           (select count(*)::int from credentials c
             where ${owner} = m.id and (c.revoked_at is null or c.revoked_at > now())) as live_keys
      from ${sql.table(tableOf[kind])} m
     where m.department_id = ${departmentId} ${id ? sql`and m.id = ${id}` : sql``}
     order by m.name`.execute(db);
  return rows;
}

export async function findMachine(db: Db | Tx, kind: MachineKind, departmentId: string, id: string) {
  return (await listMachines(db, kind, departmentId, id))[0];
}

export function presentNode(r: MachineRow): Node {
  return {
    id: r.id,
    departmentId: r.department_id,
    name: r.name,
    publicKey: r.public_key!,
    status: r.status,
    liveKeys: r.live_keys,
    createdAt: r.created_at.toISOString(),
  };
}

export function presentSystem(r: MachineRow): System {
  return {
    id: r.id,
    departmentId: r.department_id,
    name: r.name,
    description: r.description ?? null,
    notifyUrl: r.notify_url ?? null,
    notifySecretSet: Boolean(r.notify_secret),
    status: r.status,
    liveKeys: r.live_keys,
    createdAt: r.created_at.toISOString(),
  };
}
