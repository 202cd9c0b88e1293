import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { hasRole, isPlatformAdmin } from '../auth/principal.ts';
import type { DatasetRow } from '../catalog/store.ts';
import type { Db, Tx } from '../db/database.ts';
import type { Day } from './calendar.ts';

/** Whether a person is away from their post on this day. */
export async function isAbsent(db: Db | Tx, userId: string, day: Day): Promise<boolean> {
  const row = await db
    .selectFrom('approver_absences')
    .select('id')
    .where('user_id', '=', userId)
    .where('from_day', '<=', day)
    .where('until_day', '>=', day)
    .executeTakeFirst();
  return row !== undefined;
}

/** Everyone away on this day, in one query (the scheduler checks every pending case against it). */
export async function absentOn(db: Db | Tx, day: Day): Promise<Set<string>> {
  const rows = await db.selectFrom('approver_absences').select('user_id').where('from_day', '<=', day).where('until_day', '>=', day).execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * Who handles a dataset's cases on a day (AB岗): the primary contact, or the backup acting for
 * the primary while the primary is away. Without named contacts, any approver of the department.
 */
export async function assigneeFor(
  db: Db | Tx,
  dataset: Pick<DatasetRow, 'primary_contact_id' | 'backup_contact_id'>,
  day: Day,
): Promise<{ assignee: string | null; actingFor: string | null }> {
  const primary = dataset.primary_contact_id;
  if (!primary) return { assignee: dataset.backup_contact_id, actingFor: null };
  if (dataset.backup_contact_id && (await isAbsent(db, primary, day))) {
    return { assignee: dataset.backup_contact_id, actingFor: primary };
  }
  return { assignee: primary, actingFor: null };
}

/** The department above this one; null means the platform administrators supervise it. */
export async function supervisorOf(db: Db | Tx, departmentId: string): Promise<string | null> {
  const row = await db.selectFrom('departments').select('parent_id').where('id', '=', departmentId).executeTakeFirst();
  return row?.parent_id ?? null;
}

async function ancestorsOf(db: Db | Tx, departmentId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with recursive up(id, parent_id) as (
      select id, parent_id from departments where id = ${departmentId}
      union all
      select d.id, d.parent_id from departments d join up on d.id = up.parent_id
    )
    select id from up where id <> ${departmentId}`.execute(db);
  return rows.map((r) => r.id);
}

/** Approvers and department admins decide for their department. */
export function actsFor(p: Principal, departmentId: string): boolean {
  return hasRole(p, 'approver', departmentId) || hasRole(p, 'dept_admin', departmentId);
}

/**
 * Supervises a department: its own head (dept_admin), the approvers and heads of any department
 * above it, and the platform administrators. `null` stands for the platform level.
 */
export async function supervises(db: Db | Tx, p: Principal, departmentId: string | null): Promise<boolean> {
  if (isPlatformAdmin(p)) return true;
  if (departmentId === null || p.kind !== 'user') return false;
  if (hasRole(p, 'dept_admin', departmentId)) return true;
  return (await ancestorsOf(db, departmentId)).some((a) => actsFor(p, a));
}

/** Acts for a supervising department (escalation, dispute): its own people, anyone above it, or platform admins for null. */
export async function actsForOrAbove(db: Db | Tx, p: Principal, departmentId: string | null): Promise<boolean> {
  return (departmentId !== null && actsFor(p, departmentId)) || supervises(db, p, departmentId);
}

/** The people told about a department's cases: its approvers and heads (or the platform admins). */
export async function peopleOf(db: Db | Tx, departmentId: string | null): Promise<string[]> {
  const q = db.selectFrom('user_roles').select('user_id').distinct();
  const rows = departmentId
    ? await q.where('department_id', '=', departmentId).where('role', 'in', ['approver', 'dept_admin']).execute()
    : await q.where('role', '=', 'platform_admin').execute();
  return rows.map((r) => r.user_id);
}
