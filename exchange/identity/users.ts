import type { PasswordSet, RoleGrant, UserCreate, UserUpdate } from '../../contracts/generated/api.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import { generatePassword, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { canAdministerDepartment, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import { revokeUserSessions } from '../auth/store.ts';
import type { Tx } from '../db/database.ts';
import { conflict, type FieldError, forbidden, invalid, notFound } from '../errors.ts';
import { findUser, findUserByName, insertUser, replaceRoles, type UserRow } from './user-store.ts';

type Actor = Pick<AdminEntry, 'actor' | 'requestId'> & { actor: Principal | { kind: 'platform'; name: string } };

const departmentRoles = new Set(['dept_admin', 'approver']);

/** Roles must be well formed, name existing departments, and be the actor's to give. */
async function checkRoles(trx: Tx, roles: readonly RoleGrant[], actor: Actor['actor']): Promise<void> {
  const errors: FieldError[] = [];
  for (const [i, r] of roles.entries()) {
    const pointer = `/roles/${i}/departmentId`;
    if (departmentRoles.has(r.role) && !r.departmentId) {
      errors.push({ in: 'body', pointer, message: `${r.role} is a department role: name the department` });
    } else if (!departmentRoles.has(r.role) && r.departmentId) {
      errors.push({ in: 'body', pointer, message: `${r.role} is a platform-wide role: it takes no department` });
    } else if (r.departmentId) {
      const found = await trx.selectFrom('departments').select('id').where('id', '=', r.departmentId).executeTakeFirst();
      if (!found) errors.push({ in: 'body', pointer, message: 'no such department' });
    }
  }
  if (errors.length) throw invalid('Some roles are not valid', errors);
  if (actor.kind === 'platform' || isPlatformAdmin(actor)) return;
  // a dept_admin may hand out only department roles of a department they administer
  for (const r of roles) {
    if (!r.departmentId || !canAdministerDepartment(actor, r.departmentId)) {
      throw forbidden(`Only a platform admin may give the role ${r.role}${r.departmentId ? ' in that department' : ''}`);
    }
  }
}

/** May this actor manage that user? Platform admins all; a dept_admin those wholly in their departments. */
function requireManageable(user: UserRow, actor: Actor['actor']): void {
  if (actor.kind === 'platform' || isPlatformAdmin(actor)) return;
  const inScope =
    user.roles.length > 0 && user.roles.every((r) => r.departmentId && canAdministerDepartment(actor, r.departmentId));
  if (!inScope) throw forbidden('Only a platform admin may manage this user');
}

export async function createUser(trx: Tx, input: UserCreate, actor: Actor) {
  await checkRoles(trx, input.roles, actor.actor);
  if (await findUserByName(trx, input.username)) {
    throw conflict(`The username ${input.username} is taken`, [{ in: 'body', pointer: '/username', message: 'is taken' }]);
  }
  const password = input.password ?? generatePassword();
  const { id } = await insertUser(trx, {
    username: input.username,
    displayName: input.displayName,
    passwordHash: await hashPassword(password),
  });
  await replaceRoles(trx, id, input.roles);
  await recordAdminAction(trx, {
    ...actor,
    action: 'user.create',
    departmentId: input.roles.find((r) => r.departmentId)?.departmentId ?? null,
    targetKind: 'user',
    targetId: id,
    detail: { username: input.username, roles: input.roles },
  });
  return { user: (await findUser(trx, id))!, generatedPassword: input.password ? undefined : password };
}

export async function changeUser(trx: Tx, id: string, patch: UserUpdate, actor: Actor) {
  const user = await findUser(trx, id);
  if (!user) throw notFound(`No user ${id}`);
  requireManageable(user, actor.actor);
  if (patch.roles) {
    await checkRoles(trx, patch.roles, actor.actor);
    await replaceRoles(trx, id, patch.roles);
  }
  if (patch.displayName !== undefined || patch.status !== undefined) {
    await trx
      .updateTable('users')
      .set({
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
      })
      .where('id', '=', id)
      .execute();
  }
  // a disabled user, or one who lost roles, must not keep acting through a live session
  if (patch.status === 'disabled' || patch.roles) await revokeUserSessions(trx, id);
  await recordAdminAction(trx, {
    ...actor,
    action: 'user.update',
    departmentId: user.roles.find((r) => r.departmentId)?.departmentId ?? null,
    targetKind: 'user',
    targetId: id,
    detail: { ...patch },
  });
  return (await findUser(trx, id))!;
}

/**
 * Sets a password: a platform admin (or a dept_admin for their users) resets it; people change
 * their own with their current password. Every live session of the user ends.
 */
export async function setPassword(trx: Tx, id: string, input: PasswordSet, actor: Actor) {
  const user = await findUser(trx, id);
  if (!user) throw notFound(`No user ${id}`);
  const self = actor.actor.kind === 'user' && actor.actor.userId === id;
  if (self && !isPlatformAdmin(actor.actor as Principal)) {
    if (!input.currentPassword || !(await verifyPassword(input.currentPassword, user.password_hash))) {
      throw invalid('The current password is wrong', [{ in: 'body', pointer: '/currentPassword', message: 'does not match' }]);
    }
  } else {
    requireManageable(user, actor.actor);
  }
  const password = input.password ?? generatePassword();
  await trx
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), password_changed_at: new Date() })
    .where('id', '=', id)
    .execute();
  await revokeUserSessions(trx, id);
  await recordAdminAction(trx, {
    ...actor,
    action: self ? 'user.password.change' : 'user.password.reset',
    targetKind: 'user',
    targetId: id,
    detail: { generated: input.password === undefined },
  });
  return { generatedPassword: input.password ? undefined : password };
}
