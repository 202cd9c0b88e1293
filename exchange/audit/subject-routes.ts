import type { FastifyInstance } from 'fastify';
import type { AccessReport, AccessReportQuery, SubjectParams, SubjectTokenCreate, SubjectTokenIssued } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, isPlatformAdmin } from '../auth/principal.ts';
import { issueCredential } from '../auth/store.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { recordAdminAction } from './store.ts';
import { accessReport, subjectKey } from './subject-report.ts';

const reportReaders = rule('the subject (with a subject token), auditors and platform admins', (p) => p.kind === 'subject' || canReadAudit(p));

export async function subjectRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.post<{ Params: SubjectParams; Body: SubjectTokenCreate }>('/v1/subjects/:id/tokens', {
    config: { access: rule('platform admins', isPlatformAdmin) },
    schema: {
      ...describe('subjects', 'Issue a token with which a person or company reads their own access report (until a citizen login exists)'),
      params: ref('SubjectParams'),
      body: ref('SubjectTokenCreate'),
      response: { 201: ref('SubjectTokenIssued'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const subject = subjectKey(request.params.id);
      const issued = await db.transaction().execute(async (trx) => {
        const credential = await issueCredential(trx, { kind: 'subject', subjectId: subject }, (request.body.validDays ?? 7) * 86_400);
        await recordAdminAction(trx, { ...actorOf(request), action: 'subject.token', targetKind: 'subject', targetId: subject, detail: { credentialId: credential.id, expiresAt: credential.expiresAt } });
        return credential;
      });
      const body: SubjectTokenIssued = { subject, token: issued.secret, expiresAt: issued.expiresAt!.toISOString() };
      return reply.status(201).send(body);
    },
  });

  app.get<{ Params: SubjectParams; Querystring: AccessReportQuery }>('/v1/subjects/:id/access-report', {
    config: { access: reportReaders },
    schema: {
      ...describe('subjects', '数据使用记录: who accessed this person’s or company’s records and verified them, why, when, which fields'),
      params: ref('SubjectParams'),
      querystring: ref('AccessReportQuery'),
      response: { 200: ref('AccessReport'), ...problemResponses },
    },
    handler: async (request): Promise<AccessReport> => {
      const p = principalOf(request);
      const subject = subjectKey(request.params.id);
      // a subject token shows its own subject's report only; another ID is answered as unknown
      if (p.kind === 'subject' && p.subjectId !== subject) throw notFound(`No access report for ${request.params.id}`);
      const q = request.query;
      const report = await accessReport(db, subject, {
        forAuditor: p.kind !== 'subject',
        now: app.clock.now(),
        ...(q.cursor ? { before: Number(q.cursor) } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        limit: q.limit ?? 100,
      });
      await app.audit.record({ actor: p, mode: 'report', outcome: 'ok', subjectKeys: [subject], recordCount: report.items.length, requestId: request.id });
      return report;
    },
  });
}
