import type { FastifyInstance } from 'fastify';
import type { NotificationParams, NotificationQuery } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { decodeCursor, encodeCursor } from '../http/page-cursor.ts';
import { inboxOf } from './notify.ts';

const owners = rule('people and systems, their own inbox', (p) => p.kind === 'user' || p.kind === 'system');

export async function notificationRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: NotificationQuery }>('/v1/notifications', {
    config: { access: owners },
    schema: {
      ...describe('notifications', 'Your inbox: accepted, supplement needed, decided, escalated, deadline near, grant expiring'),
      querystring: ref('NotificationQuery'),
      response: { 200: ref('NotificationList'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const limit = request.query.limit ?? 50;
      const owner = p.kind === 'user' ? { userId: p.userId } : { systemId: (p as { systemId: string }).systemId };
      const before = decodeCursor(request.query.cursor, ['int'])?.[0];
      const items = await inboxOf(db, owner, { ...(request.query.unread ? { unread: true } : {}), ...(before ? { before } : {}), limit });
      return { items, nextCursor: items.length === limit ? encodeCursor([Number(items[items.length - 1]!.id)]) : null };
    },
  });

  app.post<{ Params: NotificationParams }>('/v1/notifications/:id/read', {
    config: { access: owners },
    schema: {
      ...describe('notifications', 'Mark a notification read'),
      params: ref('NotificationParams'),
      response: { 204: { type: 'null' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const p = principalOf(request);
      let q = db.updateTable('notifications').set({ read_at: new Date() }).where('id', '=', request.params.id);
      q = p.kind === 'user' ? q.where('user_id', '=', p.userId) : q.where('system_id', '=', (p as { systemId: string }).systemId);
      const result = await q.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound(`No notification ${request.params.id}`);
      return reply.status(204).send();
    },
  });
}
