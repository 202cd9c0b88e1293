import type { FastifyInstance } from 'fastify';
import type {
  IdParams,
  IssuerKey,
  QualityIssue,
  QualityQuery,
  Registry,
  RegistryAuthority,
  RegistryCreate,
  RegistryKindParams,
  RegistrySource,
  RegistrySourceParams,
} from '../../contracts/generated/api.ts';
import type { RegistryKind } from '../../registries/contract.ts';
import { anyone, principalOf, rule } from '../auth/guard.ts';
import { canAdministerDepartment, canReadAudit, departmentsOf, isPlatformAdmin } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { after, decodeCursor, encodeCursor } from '../http/page-cursor.ts';
import { registryKinds } from './definitions.ts';
import { listQualityIssues } from './quality.ts';
import { createRegistry, findRegistry, requireRegistry, setAuthority, setIssuerKey, setSource } from './setup.ts';

const platformAdmins = rule('platform admins', isPlatformAdmin);
const issuerAdmins = rule("the department's dept_admin or a platform admin", (p, request) =>
  canAdministerDepartment(p, (request.params as IdParams).id),
);

async function present(db: Db, kind: RegistryKind): Promise<Registry> {
  const registry = await requireRegistry(db, kind);
  const sources = await db.selectFrom('registry_sources').select(['department_id', 'fields']).where('dataset_id', '=', registry.id).execute();
  return {
    kind,
    code: registry.code,
    providerDepartmentId: registry.provider_department_id,
    sources: sources.map((s) => ({ departmentId: s.department_id, fields: s.fields })),
    authority: registry.merge_rules,
  };
}

export async function registryRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/v1/registries', {
    config: { access: anyone },
    schema: { ...describe('registries', 'The base registries that are set up, with their sources and authority rules'), response: { 200: ref('RegistryList'), ...problemResponses } },
    handler: async () => {
      const items = [];
      for (const kind of registryKinds) if (await findRegistry(db, kind)) items.push(await present(db, kind));
      return { items };
    },
  });

  app.post<{ Body: RegistryCreate }>('/v1/registries', {
    config: { access: platformAdmins },
    schema: {
      ...describe('registries', 'Set up a base registry (a published dataset of class base with its built-in contract)'),
      body: ref('RegistryCreate'),
      response: { 201: ref('Registry'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const { kind, providerDepartmentId, ...terms } = request.body;
      await db.transaction().execute((trx) => createRegistry(trx, kind, providerDepartmentId, terms, actorOf(request)));
      return reply.status(201).send(await present(db, kind));
    },
  });

  app.put<{ Params: RegistrySourceParams; Body: RegistrySource }>('/v1/registries/:kind/sources/:departmentId', {
    config: { access: platformAdmins },
    schema: {
      ...describe('registries', 'Make a department a source of a registry, for the fields it may contribute'),
      params: ref('RegistrySourceParams'),
      body: ref('RegistrySource'),
      response: { 200: ref('Registry'), ...problemResponses },
    },
    handler: async (request) => {
      const { kind, departmentId } = request.params;
      await db.transaction().execute((trx) => setSource(trx, kind, departmentId, request.body.fields, actorOf(request)));
      return present(db, kind);
    },
  });

  app.put<{ Params: RegistryKindParams; Body: RegistryAuthority }>('/v1/registries/:kind/authority', {
    config: { access: platformAdmins },
    schema: {
      ...describe('registries', 'Set, per field, which sources are most authoritative'),
      params: ref('RegistryKindParams'),
      body: ref('RegistryAuthority'),
      response: { 200: ref('Registry'), ...problemResponses },
    },
    handler: async (request) => {
      await db.transaction().execute((trx) => setAuthority(trx, request.params.kind, request.body as Record<string, string[]>, actorOf(request)));
      return present(db, request.params.kind);
    },
  });

  app.put<{ Params: IdParams; Body: IssuerKey }>('/v1/departments/:id/issuer-key', {
    config: { access: issuerAdmins },
    schema: {
      ...describe('registries', "Register the Ed25519 key that verifies the department's certificate signatures"),
      params: ref('IdParams'),
      body: ref('IssuerKey'),
      response: { 204: { type: 'null' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      await db.transaction().execute((trx) => setIssuerKey(trx, request.params.id, request.body.publicKey, actorOf(request)));
      return reply.status(204).send();
    },
  });

  app.get<{ Querystring: QualityQuery }>('/v1/quality/issues', {
    config: { access: rule('people of a department, auditors and platform admins', (p) => p.kind === 'user' && (canReadAudit(p) || departmentsOf(p).length > 0)) },
    schema: {
      ...describe('registries', 'Data-quality issues (conflicting sources, dangling links) per dataset and department'),
      querystring: ref('QualityQuery'),
      response: { 200: ref('QualityIssueList'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 50;
      // platform roles see every department's issues; others only those of their departments
      const department = canReadAudit(p) ? q.department : (q.department && departmentsOf(p).includes(q.department) ? q.department : departmentsOf(p)[0]);
      const rows = await listQualityIssues(db, { ...q, status: q.status ?? 'open', ...(department ? { department } : {}), ...after(decodeCursor(q.cursor, ['uuid'])?.[0]), limit });
      const items: QualityIssue[] = rows.map((r) => ({
        id: r.id,
        dataset: r.dataset,
        key: r.key,
        kind: r.kind,
        field: r.field,
        detail: r.detail as QualityIssue['detail'],
        status: r.status,
        createdAt: r.created_at.toISOString(),
        resolvedAt: r.resolved_at?.toISOString() ?? null,
      }));
      // the issues name people and companies and show each source's values: an audited read
      await app.audit.record({
        actor: p,
        mode: 'quality',
        outcome: 'ok',
        subjectKeys: [...new Set(rows.map((r) => r.key))],
        recordCount: rows.length,
        query: { ...q, ...(department ? { department } : {}) },
        requestId: request.id,
      });
      return { items, nextCursor: rows.length === limit ? encodeCursor([rows[rows.length - 1]!.id]) : null };
    },
  });
}
