import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { BrxError } from '../errors.ts';
import { describe } from './route-helpers.ts';

export async function healthRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: {
      ...describe('operations', 'The process is alive', { public: true }),
      response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } },
    },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/readyz', {
    config: { access: 'public' },
    schema: {
      ...describe('operations', 'The database answers; ready for traffic', { public: true }),
      response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } } },
    },
    handler: async () => {
      try {
        await sql`select 1`.execute(db);
      } catch (cause) {
        throw new BrxError('BRX_ERR_UNAVAILABLE', 'The database does not answer', { cause });
      }
      return { status: 'ready' };
    },
  });
}
