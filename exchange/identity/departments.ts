import type { DepartmentCreate, DepartmentUpdate } from '../../contracts/generated/api.ts';
import { validateUscc } from '../../registries/identifiers/uscc.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import { forgetCredentials } from '../auth/store.ts';
import type { Tx } from '../db/database.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { findDepartment, insertDepartment, isSelfOrDescendant, updateDepartment } from './department-store.ts';

const levelRank = { province: 0, city: 1, county: 2 } as const;

/** A department sits at its parent's level or below (a city bureau under the city government). */
function checkLevel(level: keyof typeof levelRank, parentLevel: keyof typeof levelRank | undefined): void {
  if (parentLevel && levelRank[level] < levelRank[parentLevel]) {
    throw invalid('A department cannot sit above its parent', [
      { in: 'body', pointer: '/level', message: `a ${level}-level department cannot be under a ${parentLevel}-level one` },
    ]);
  }
}

type Actor = Pick<AdminEntry, 'actor' | 'requestId'>;

export async function createDepartment(trx: Tx, input: DepartmentCreate, actor: Actor) {
  const code = validateUscc(input.code).normalized!;
  const parent = input.parentId ? await findDepartment(trx, input.parentId) : undefined;
  if (input.parentId && !parent) {
    throw invalid('The parent department does not exist', [{ in: 'body', pointer: '/parentId', message: 'no such department' }]);
  }
  checkLevel(input.level, parent?.level);
  const existing = await trx.selectFrom('departments').select('id').where('code', '=', code).executeTakeFirst();
  if (existing) throw conflict(`A department with code ${code} exists already (${existing.id})`);
  const row = await insertDepartment(trx, {
    code,
    name: input.name,
    parentId: input.parentId ?? null,
    level: input.level,
    regionCode: input.regionCode ?? null,
  });
  await recordAdminAction(trx, {
    ...actor,
    action: 'department.create',
    departmentId: row.id,
    targetKind: 'department',
    targetId: row.id,
    detail: { code, name: input.name, parentId: row.parent_id, level: row.level },
  });
  return row;
}

export async function changeDepartment(trx: Tx, id: string, patch: DepartmentUpdate, actor: Actor) {
  const current = await findDepartment(trx, id);
  if (!current) throw notFound(`No department ${id}`);
  if (patch.parentId) {
    const parent = await findDepartment(trx, patch.parentId);
    if (!parent) throw invalid('The parent department does not exist', [{ in: 'body', pointer: '/parentId', message: 'no such department' }]);
    if (await isSelfOrDescendant(trx, id, patch.parentId)) {
      throw invalid('The department tree cannot have a cycle', [
        { in: 'body', pointer: '/parentId', message: 'is this department itself or one of its sub-departments' },
      ]);
    }
    checkLevel(current.level, parent.level);
  }
  if (patch.status !== undefined) forgetCredentials(); // a suspended department's machines stop at once
  const row = await updateDepartment(trx, id, {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.parentId !== undefined ? { parent_id: patch.parentId } : {}),
    ...(patch.regionCode !== undefined ? { region_code: patch.regionCode } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
  });
  await recordAdminAction(trx, {
    ...actor,
    action: 'department.update',
    departmentId: id,
    targetKind: 'department',
    targetId: id,
    detail: { ...patch },
  });
  return row!;
}
