import type { FastifyInstance } from 'fastify';
import type {
  AuditAccessEntry,
  AuditAdminEntry,
  AuditQuery,
  AuditVerifyReport,
} from '../../contracts/generated/api.ts';
import { rule } from '../auth/guard.ts';
import { canReadAudit } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { searchAudit } from './store.ts';
import { verifyChain } from './verify.ts';

const auditors = rule('auditors and platform admins', canReadAudit);

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function present(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camel(k)] = v instanceof Date ? v.toISOString() : v;
  return out;
}

export async function auditRoutes(app: FastifyInstance, { db }: { db: Db }) {
  for (const log of ['admin', 'access'] as AuditLog[]) {
    app.get<{ Querystring: AuditQuery }>(`/v1/audit/${log}`, {
      config: { access: auditors },
      schema: {
        ...describe(
          'audit',
          log === 'admin' ? 'Search the administrative-action log, newest first' : 'Search the data-access log, newest first',
        ),
        querystring: ref('AuditQuery'),
        response: { 200: ref(log === 'admin' ? 'AuditAdminPage' : 'AuditAccessPage'), ...problemResponses },
      },
      handler: async (request) => {
        const q = request.query;
        const limit = q.limit ?? 50;
        const rows = await searchAudit(db, log, {
          ...q,
          limit,
          ...(q.cursor ? { before: Number(q.cursor) } : {}),
        });
        return {
          items: rows.map(present) as unknown as (AuditAdminEntry | AuditAccessEntry)[],
          nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.seq) : null,
        };
      },
    });
  }

  app.get<{ Reply: AuditVerifyReport }>('/v1/audit/verify', {
    config: { access: auditors },
    schema: {
      ...describe('audit', 'Verify both hash chains; names the first broken entry'),
      response: { 200: ref('AuditVerifyReport'), ...problemResponses },
    },
    handler: async () => {
      const logs = [await verifyChain(db, 'admin'), await verifyChain(db, 'access')];
      return { intact: logs.every((l) => l.intact), logs };
    },
  });
}
