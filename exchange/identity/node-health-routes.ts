import type { FastifyInstance } from 'fastify';
import type { IdParams, NodeHeartbeat } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canAdministerDepartment, hasRole, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { nodeStatus, recordHeartbeat } from './node-health.ts';

/**
 * 前置机运行监控: nodes report their state; the department's admins and platform admins see it,
 * and whether the node is still beating.
 */
export async function nodeHealthRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.post<{ Body: NodeHeartbeat }>('/v1/nodes/self/heartbeat', {
    config: { access: rule('a front-end node, for itself', (p) => p.kind === 'node') },
    schema: {
      ...describe('identity', 'A node reports its state (jobs, spool depth, last success and error); missing three in a row flags it offline'),
      body: ref('NodeHeartbeat'),
      response: { 204: { type: 'null' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const node = principalOf(request) as Extract<Principal, { kind: 'node' }>;
      await recordHeartbeat(db, node.nodeId, request.body, app.clock.now());
      return reply.status(204).send();
    },
  });

  app.get<{ Params: IdParams }>('/v1/nodes/:id/status', {
    // which department the node belongs to needs the database: someone else's node is a 404
    config: { access: rule("the node's department's dept_admin or a platform admin", (p) => isPlatformAdmin(p) || hasRole(p, 'dept_admin')) },
    schema: {
      ...describe('identity', 'A node’s state as it last reported it, and whether it is online'),
      params: ref('IdParams'),
      response: { 200: ref('NodeStatus'), ...problemResponses },
    },
    handler: async (request) => {
      const status = await nodeStatus(db, request.params.id, app.clock.now());
      if (!status || !canAdministerDepartment(principalOf(request), status.departmentId)) throw notFound('No such node');
      return status;
    },
  });
}
