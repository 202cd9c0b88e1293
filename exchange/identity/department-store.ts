import { sql } from 'kysely';
import type { Department } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import type { DepartmentsTable } from '../db/schema.ts';

type Row = {
  id: string;
  code: string;
  name: string;
  parent_id: string | null;
  level: DepartmentsTable['level'];
  region_code: string | null;
  status: 'active' | 'suspended';
  created_at: Date;
};

const columns = ['id', 'code', 'name', 'parent_id', 'level', 'region_code', 'status', 'created_at'] as const;

export function presentDepartment(r: Row): Department {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    parentId: r.parent_id,
    level: r.level,
    regionCode: r.region_code,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

export async function findDepartment(db: Db | Tx, id: string): Promise<Row | undefined> {
  return db.selectFrom('departments').select(columns).where('id', '=', id).executeTakeFirst();
}

export async function listDepartments(db: Db, q: { code?: string; parentId?: string; q?: string }): Promise<Row[]> {
  let query = db.selectFrom('departments').select(columns);
  if (q.code) query = query.where('code', '=', q.code.toUpperCase());
  if (q.parentId) query = query.where('parent_id', '=', q.parentId);
  if (q.q) query = query.where('name', 'like', `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return query.orderBy('code').limit(10_000).execute();
}

export async function insertDepartment(
  trx: Tx,
  d: { code: string; name: string; parentId: string | null; level: Row['level']; regionCode: string | null },
): Promise<Row> {
  return trx
    .insertInto('departments')
    .values({ code: d.code, name: d.name, parent_id: d.parentId, level: d.level, region_code: d.regionCode })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function updateDepartment(
  trx: Tx,
  id: string,
  patch: Partial<Pick<DepartmentsTable, 'name' | 'parent_id' | 'region_code'>> & { status?: 'active' | 'suspended' },
): Promise<Row | undefined> {
  return trx
    .updateTable('departments')
    .set({ ...patch, updated_at: new Date() })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
}

/** True when `candidate` is `id` itself or lies below it: it cannot become `id`'s parent. */
export async function isSelfOrDescendant(trx: Tx, id: string, candidate: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    with recursive below(id) as (
      select ${id}::uuid
      union
      select d.id from departments d join below b on d.parent_id = b.id
    )
    select exists (select 1 from below where id = ${candidate}::uuid) as found`.execute(trx);
  return rows[0]!.found;
}
