import { sql } from 'kysely';
import type { RoleGrant as RoleGrantView, User } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import type { Role } from '../db/schema.ts';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  status: 'active' | 'disabled';
  created_at: Date;
  roles: { role: Role; departmentId: string | null }[];
}

const rolesJson = sql<UserRow['roles']>`(
  select coalesce(json_agg(json_build_object('role', r.role, 'departmentId', r.department_id)
                           order by r.role, r.department_id), '[]'::json)
    from user_roles r where r.user_id = u.id)`.as('roles');

function baseQuery(db: Db | Tx) {
  return db.selectFrom('users as u').selectAll('u').select(rolesJson);
}

export async function findUser(db: Db | Tx, id: string): Promise<UserRow | undefined> {
  return (await baseQuery(db).where('u.id', '=', id).executeTakeFirst()) as UserRow | undefined;
}

export async function findUserByName(db: Db | Tx, username: string): Promise<UserRow | undefined> {
  return (await baseQuery(db).where(sql`lower(u.username)`, '=', username.toLowerCase()).executeTakeFirst()) as
    | UserRow
    | undefined;
}

/** Every user, or only those holding a role in one of `departments`. */
export async function listUsers(db: Db, departments?: string[]): Promise<UserRow[]> {
  let q = baseQuery(db);
  if (departments) {
    if (departments.length === 0) return [];
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_roles as r')
          .select('r.user_id')
          .whereRef('r.user_id', '=', 'u.id')
          .where('r.department_id', 'in', departments),
      ),
    );
  }
  return (await q.orderBy('u.username').limit(10_000).execute()) as UserRow[];
}

export async function insertUser(trx: Tx, u: { username: string; displayName: string; passwordHash: string }) {
  return trx
    .insertInto('users')
    .values({ username: u.username, display_name: u.displayName, password_hash: u.passwordHash })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function replaceRoles(trx: Tx, userId: string, roles: readonly RoleGrantView[]): Promise<void> {
  await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
  if (roles.length === 0) return;
  await trx
    .insertInto('user_roles')
    .values(roles.map((r) => ({ user_id: userId, role: r.role, department_id: r.departmentId ?? null })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function presentUser(u: UserRow): User {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    status: u.status,
    roles: u.roles,
    createdAt: u.created_at.toISOString(),
  };
}
