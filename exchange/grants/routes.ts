import type { FastifyInstance } from 'fastify';
import type { GrantQuery, GrantRevoke, IdParams } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, departmentsOf, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import { actsFor } from '../cases/routing.ts';
import type { Db } from '../db/database.ts';
import { forbidden, notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { after, decodeCursor, encodeCursor } from '../http/page-cursor.ts';
import { type GrantFilter, listGrants, presentGrant, revokeGrant } from './store.ts';

const grantReaders = rule('systems (their own), department people (held and granted), auditors and platform admins', (p) =>
  p.kind === 'system' || p.kind === 'user',
);

/** What a caller may list: a system its own grants, department people their departments', auditors everything. */
function scope(p: Principal, view: GrantQuery['view']): Partial<GrantFilter> {
  if (p.kind === 'system') return { systemOnly: p.systemId };
  if (canReadAudit(p)) return {};
  const mine = departmentsOf(p);
  return { held: view === 'granted' ? [] : mine, granted: view === 'held' ? [] : mine };
}

export async function grantRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: GrantQuery }>('/v1/grants', {
    config: { access: grantReaders },
    schema: {
      ...describe('grants', 'Grants: for a system, what it holds; for a provider, what it has granted'),
      querystring: ref('GrantQuery'),
      response: { 200: ref('GrantList'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 50;
      const now = app.clock.now();
      const rows = await listGrants(db, {
        ...scope(p, q.view),
        ...(q.system ? { systemId: q.system } : {}),
        ...(q.dataset ? { datasetCode: q.dataset } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...after(decodeCursor(q.cursor, ['uuid'])?.[0]),
        limit,
        now,
      });
      return { items: rows.map((g) => presentGrant(g, now)), nextCursor: rows.length === limit ? encodeCursor([rows[rows.length - 1]!.id]) : null };
    },
  });

  app.get<{ Params: IdParams }>('/v1/grants/:id', {
    config: { access: grantReaders },
    schema: { ...describe('grants', 'One grant'), params: ref('IdParams'), response: { 200: ref('Grant'), ...problemResponses } },
    handler: async (request) => {
      const now = app.clock.now();
      const [grant] = await listGrants(db, { ...scope(principalOf(request), undefined), id: request.params.id, limit: 1, now });
      if (!grant) throw notFound(`No grant ${request.params.id}`);
      return presentGrant(grant, now);
    },
  });

  app.post<{ Params: IdParams; Body: GrantRevoke }>('/v1/grants/:id/revoke', {
    config: { access: rule('approvers and heads of the providing department, platform admins', (p) => p.kind === 'user') },
    schema: {
      ...describe('grants', 'Revoke a grant with a reason: the next read under it is refused'),
      params: ref('IdParams'),
      body: ref('GrantRevoke'),
      response: { 200: ref('Grant'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const now = app.clock.now();
      const [grant] = await listGrants(db, { id: request.params.id, limit: 1, now });
      if (!grant) throw notFound(`No grant ${request.params.id}`);
      if (!isPlatformAdmin(p) && !actsFor(p, grant.provider_department_id)) {
        throw forbidden('Only the providing department (or a platform admin) revokes a grant');
      }
      await db.transaction().execute((trx) => revokeGrant(trx, grant.id, request.body.reason, actorOf(request), now));
      const [after] = await listGrants(db, { id: grant.id, limit: 1, now });
      return presentGrant(after!, now);
    },
  });
}
