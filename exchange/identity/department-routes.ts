import type { FastifyInstance } from 'fastify';
import type {
  DepartmentCreate,
  DepartmentList,
  DepartmentQuery,
  DepartmentUpdate,
  IdParams,
} from '../../contracts/generated/api.ts';
import { anyone, rule } from '../auth/guard.ts';
import { isPlatformAdmin } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { findDepartment, listDepartments, presentDepartment } from './department-store.ts';
import { changeDepartment, createDepartment } from './departments.ts';

const platformAdmins = rule('platform admins', isPlatformAdmin);

export async function departmentRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: DepartmentQuery; Reply: DepartmentList }>('/v1/departments', {
    config: { access: anyone },
    schema: {
      ...describe('identity', 'List departments (the province › city › county tree, flattened)'),
      querystring: ref('DepartmentQuery'),
      response: { 200: ref('DepartmentList'), ...problemResponses },
    },
    handler: async (request) => ({ items: (await listDepartments(db, request.query)).map(presentDepartment) }),
  });

  app.get<{ Params: IdParams }>('/v1/departments/:id', {
    config: { access: anyone },
    schema: {
      ...describe('identity', 'Get one department'),
      params: ref('IdParams'),
      response: { 200: ref('Department'), ...problemResponses },
    },
    handler: async (request) => {
      const row = await findDepartment(db, request.params.id);
      if (!row) throw notFound(`No department ${request.params.id}`);
      return presentDepartment(row);
    },
  });

  app.post<{ Body: DepartmentCreate }>('/v1/departments', {
    config: { access: platformAdmins },
    schema: {
      ...describe('identity', 'Create a department'),
      body: ref('DepartmentCreate'),
      response: { 201: ref('Department'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const row = await db.transaction().execute((trx) => createDepartment(trx, request.body, actorOf(request)));
      return reply.status(201).send(presentDepartment(row));
    },
  });

  app.patch<{ Params: IdParams; Body: DepartmentUpdate }>('/v1/departments/:id', {
    config: { access: platformAdmins },
    schema: {
      ...describe('identity', 'Rename, move, suspend or reactivate a department'),
      params: ref('IdParams'),
      body: ref('DepartmentUpdate'),
      response: { 200: ref('Department'), ...problemResponses },
    },
    handler: async (request) => {
      const row = await db
        .transaction()
        .execute((trx) => changeDepartment(trx, request.params.id, request.body, actorOf(request)));
      return presentDepartment(row);
    },
  });
}
