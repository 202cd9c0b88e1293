import type { FastifyInstance } from 'fastify';
import type { ExchangeStatsQuery } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { departmentScope } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { forbidden } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { exchangeStats } from './store.ts';

const people = rule('auditors, platform admins, and people of a department for its datasets', (p) => p.kind === 'user');

export async function statsRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: ExchangeStatsQuery }>('/v1/stats/exchange', {
    config: { access: people },
    schema: {
      ...describe('stats', 'Records in and out per day, subscription lag and open data-quality issues, for the dashboard'),
      querystring: ref('ExchangeStatsQuery'),
      response: { 200: ref('ExchangeStats'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const departments = departmentScope(p, q.department);
      if (departments === null) throw forbidden('Exchange statistics are for auditors, platform admins and department people');
      return exchangeStats(db, app.events, { now: app.clock.now(), days: q.days ?? 14, ...(departments ? { departments } : {}) });
    },
  });
}
