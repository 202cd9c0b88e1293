import type { FastifyInstance } from 'fastify';
import type { IdParams, PasswordSet, UserCreate, UserUpdate } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, hasRole, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import { revokeUserSessions } from '../auth/store.ts';
import type { Db } from '../db/database.ts';
import { forbidden, notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { findUser, listUsers, presentUser, type UserRow } from './user-store.ts';
import { changeUser, createUser, setPassword } from './users.ts';

const isSelf = (p: Principal, id: string) => p.kind === 'user' && p.userId === id;

const userManagers = rule('platform admins and dept_admins', (p) => isPlatformAdmin(p) || hasRole(p, 'dept_admin'));
const userReaders = rule('platform admins, auditors and dept_admins', (p) => canReadAudit(p) || hasRole(p, 'dept_admin'));
const selfOrManagers = rule('the user themself, platform admins and dept_admins', (p, request) =>
  isSelf(p, (request.params as IdParams).id) || isPlatformAdmin(p) || hasRole(p, 'dept_admin'),
);

/** Departments whose users a dept_admin sees; undefined means all (platform admins, auditors). */
function visibleDepartments(p: Principal): string[] | undefined {
  if (canReadAudit(p) || p.kind !== 'user') return undefined;
  return p.roles.filter((r) => r.role === 'dept_admin').map((r) => r.departmentId!);
}

function canSee(p: Principal, user: UserRow): boolean {
  if (isSelf(p, user.id)) return true;
  const departments = visibleDepartments(p);
  return departments === undefined || user.roles.some((r) => r.departmentId && departments.includes(r.departmentId));
}

export async function userRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/v1/users', {
    config: { access: userReaders },
    schema: { ...describe('identity', 'List people'), response: { 200: ref('UserList'), ...problemResponses } },
    handler: async (request) => ({
      items: (await listUsers(db, visibleDepartments(principalOf(request)))).map(presentUser),
    }),
  });

  app.post<{ Body: UserCreate }>('/v1/users', {
    config: { access: userManagers },
    schema: {
      ...describe('identity', 'Create a person with roles; a generated password is returned once'),
      body: ref('UserCreate'),
      response: { 201: ref('UserCreated'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { user, generatedPassword } = await db
        .transaction()
        .execute((trx) => createUser(trx, request.body, actorOf(request)));
      return reply.status(201).send({ user: presentUser(user), ...(generatedPassword ? { password: generatedPassword } : {}) });
    },
  });

  app.get<{ Params: IdParams }>('/v1/users/:id', {
    config: { access: selfOrManagers },
    schema: {
      ...describe('identity', 'Get one person'),
      params: ref('IdParams'),
      response: { 200: ref('User'), ...problemResponses },
    },
    handler: async (request) => {
      const user = await findUser(db, request.params.id);
      if (!user || !canSee(principalOf(request), user)) throw notFound(`No user ${request.params.id}`);
      return presentUser(user);
    },
  });

  app.patch<{ Params: IdParams; Body: UserUpdate }>('/v1/users/:id', {
    config: { access: userManagers },
    schema: {
      ...describe('identity', "Change a person's name, status or roles (ends their sessions on disable or role change)"),
      params: ref('IdParams'),
      body: ref('UserUpdate'),
      response: { 200: ref('User'), ...problemResponses },
    },
    handler: async (request) =>
      presentUser(await db.transaction().execute((trx) => changeUser(trx, request.params.id, request.body, actorOf(request)))),
  });

  app.post<{ Params: IdParams; Body: PasswordSet }>('/v1/users/:id/password', {
    config: { access: selfOrManagers },
    schema: {
      ...describe('identity', 'Change (own, with the current password) or reset a password; ends all sessions'),
      params: ref('IdParams'),
      body: ref('PasswordSet'),
      response: { 200: ref('PasswordIssued'), ...problemResponses },
    },
    handler: async (request) => {
      const { generatedPassword } = await db
        .transaction()
        .execute((trx) => setPassword(trx, request.params.id, request.body, actorOf(request)));
      return generatedPassword ? { password: generatedPassword } : {};
    },
  });

  app.delete<{ Params: IdParams }>('/v1/users/:id/sessions', {
    config: { access: selfOrManagers },
    schema: {
      ...describe('identity', "End every session of a person (sign out everywhere)"),
      params: ref('IdParams'),
      response: { 204: { type: 'null' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const p = principalOf(request);
      const user = await findUser(db, request.params.id);
      if (!user || !canSee(p, user)) throw notFound(`No user ${request.params.id}`);
      if (!isSelf(p, user.id) && !isPlatformAdmin(p) && !user.roles.every((r) => r.departmentId && hasRole(p, 'dept_admin', r.departmentId))) {
        throw forbidden('Only a platform admin may end this user\'s sessions');
      }
      await revokeUserSessions(db, user.id);
      return reply.status(204).send();
    },
  });
}
