import { sql } from 'kysely';
import { type Db, prepared, type Tx } from '../db/database.ts';
import type { CredentialKind, Role } from '../db/schema.ts';
import type { Principal } from './principal.ts';
import { newSecret, secretHash } from './secrets.ts';

interface CredentialRow {
  id: string;
  kind: CredentialKind;
  user_id: string | null;
  username: string | null;
  user_status: string | null;
  roles: { role: Role; departmentId: string | null }[];
  node_id: string | null;
  node_name: string | null;
  system_id: string | null;
  system_name: string | null;
  machine_department_id: string | null;
  machine_status: string | null;
  department_status: string | null;
  subject_id: string | null;
}

/**
 * One round trip from a bearer secret to the principal: live (not expired, not revoked — a
 * rotated key stays live until its grace time), its owner active, a machine's department active.
 */
const findPrincipalSql = `
    select c.id, c.kind, c.user_id, c.node_id, c.system_id, c.subject_id,
           u.username, u.status as user_status,
           n.name as node_name, s.name as system_name,
           coalesce(n.department_id, s.department_id) as machine_department_id,
           coalesce(n.status, s.status) as machine_status,
           d.status as department_status,
           case when c.user_id is null then '[]'::json else (
             select coalesce(json_agg(json_build_object('role', r.role, 'departmentId', r.department_id)), '[]'::json)
             from user_roles r where r.user_id = c.user_id) end as roles
      from credentials c
      left join users u on u.id = c.user_id
      left join nodes n on n.id = c.node_id
      left join systems s on s.id = c.system_id
      left join departments d on d.id = coalesce(n.department_id, s.department_id)
     where c.token_hash = $1
       and (c.expires_at is null or c.expires_at > now())
       and (c.revoked_at is null or c.revoked_at > now())`;

/**
 * Machines (nodes, systems) call often; their principal is kept for `BRX_AUTH_CACHE_SECONDS`
 * (default 5). Every revocation, rotation, disabling or suspension in this process clears the
 * cache at once; another exchange process sees it within the cache time. People's sessions are
 * never cached: logging out takes effect everywhere at once.
 */
const machineCache = new Map<string, { principal: Principal; until: number }>();

export function forgetCredentials(): void {
  machineCache.clear();
}

export async function findPrincipal(db: Db, secret: string, cacheMs = 0): Promise<Principal | null> {
  const hash = secretHash(secret);
  const cacheKey = cacheMs > 0 ? hash.toString('base64') : '';
  const hit = cacheKey ? machineCache.get(cacheKey) : undefined;
  if (hit && hit.until > Date.now()) return hit.principal;
  const principal = await lookUpPrincipal(db, hash);
  if (cacheKey && principal && (principal.kind === 'node' || principal.kind === 'system')) {
    if (machineCache.size > 10_000) machineCache.clear();
    machineCache.set(cacheKey, { principal, until: Date.now() + cacheMs });
  }
  return principal;
}

async function lookUpPrincipal(db: Db, hash: Buffer): Promise<Principal | null> {
  const rows = await prepared<CredentialRow>(db, 'brx_find_principal', findPrincipalSql, [hash]);
  const row = rows[0];
  if (!row) return null;
  switch (row.kind) {
    case 'session':
      if (row.user_status !== 'active') return null;
      return { kind: 'user', credentialId: row.id, userId: row.user_id!, username: row.username!, roles: row.roles };
    case 'node':
      if (row.machine_status !== 'active' || row.department_status !== 'active') return null;
      return {
        kind: 'node',
        credentialId: row.id,
        nodeId: row.node_id!,
        name: row.node_name!,
        departmentId: row.machine_department_id!,
      };
    case 'system':
      if (row.machine_status !== 'active' || row.department_status !== 'active') return null;
      return {
        kind: 'system',
        credentialId: row.id,
        systemId: row.system_id!,
        name: row.system_name!,
        departmentId: row.machine_department_id!,
      };
    case 'subject':
      return { kind: 'subject', credentialId: row.id, subjectId: row.subject_id! };
  }
}

/**
 * A node acting for one of its department's systems (a receiving job writes what the system is
 * granted into the department's own database): the system, active, of the node's very department,
 * or null. Cached like machine credentials.
 */
export async function systemForNode(db: Db, node: Extract<Principal, { kind: 'node' }>, systemId: string, cacheMs = 0): Promise<Principal | null> {
  const cacheKey = `via:${node.nodeId}:${systemId}`;
  const hit = cacheMs > 0 ? machineCache.get(cacheKey) : undefined;
  if (hit && hit.until > Date.now()) return hit.principal;
  const row = await db
    .selectFrom('systems')
    .select(['id', 'name'])
    .where('id', '=', systemId)
    .where('department_id', '=', node.departmentId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!row) return null;
  const principal: Principal = { kind: 'system', credentialId: node.credentialId, systemId: row.id, name: row.name, departmentId: node.departmentId, via: { nodeId: node.nodeId, name: node.name } };
  if (cacheMs > 0) machineCache.set(cacheKey, { principal, until: Date.now() + cacheMs });
  return principal;
}

export type CredentialOwner =
  | { kind: 'session'; userId: string }
  | { kind: 'node'; nodeId: string }
  | { kind: 'system'; systemId: string }
  | { kind: 'subject'; subjectId: string };

/**
 * Issues a new bearer secret, living `ttlSeconds` (null: until revoked); the clear secret is
 * returned to the caller once and never stored.
 *
 * Credentials run on the database's clock: expiry and revocation are written as `now()` plus an
 * interval and compared with `now()` in the same place, so every exchange process agrees on
 * when a key stops, whatever its own clock says. (Grants, deadlines and quotas run on the
 * exchange's clock, `Clock`; no comparison mixes the two.)
 */
export async function issueCredential(
  trx: Tx | Db,
  owner: CredentialOwner,
  ttlSeconds: number | null,
): Promise<{ id: string; secret: string; expiresAt: Date | null }> {
  const secret = newSecret(owner.kind);
  const row = await trx
    .insertInto('credentials')
    .values({
      token_hash: secretHash(secret),
      kind: owner.kind,
      user_id: owner.kind === 'session' ? owner.userId : null,
      node_id: owner.kind === 'node' ? owner.nodeId : null,
      system_id: owner.kind === 'system' ? owner.systemId : null,
      subject_id: owner.kind === 'subject' ? owner.subjectId : null,
      expires_at: ttlSeconds === null ? null : sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, secret, expiresAt: row.expires_at };
}

export async function revokeCredential(trx: Tx | Db, credentialId: string): Promise<void> {
  forgetCredentials();
  await trx.updateTable('credentials').set({ revoked_at: sql<Date>`now()` }).where('id', '=', credentialId).execute();
}

/**
 * Revokes every live key of a machine, `graceSeconds` from now (0: at once). Rotation uses the
 * grace so a node can switch to its new key without a gap. Returns how many keys it touched and
 * when they stop.
 */
export async function revokeMachineKeys(
  trx: Tx,
  owner: { nodeId: string } | { systemId: string },
  graceSeconds: number,
  except?: string,
): Promise<{ revoked: number; at: Date }> {
  const { at } = await sql<{ at: Date }>`select now() + make_interval(secs => ${graceSeconds}) as at`.execute(trx).then((r) => r.rows[0]!);
  let q = trx
    .updateTable('credentials')
    .set({ revoked_at: at })
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', at)]));
  q = 'nodeId' in owner ? q.where('node_id', '=', owner.nodeId) : q.where('system_id', '=', owner.systemId);
  if (except) q = q.where('id', '<>', except);
  forgetCredentials();
  const result = await q.executeTakeFirst();
  return { revoked: Number(result.numUpdatedRows), at };
}

export async function revokeUserSessions(trx: Tx | Db, userId: string): Promise<void> {
  forgetCredentials();
  await trx
    .updateTable('credentials')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
