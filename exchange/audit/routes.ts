import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import type {
  AuditAccessEntry,
  AuditAdminEntry,
  AuditQuery,
  AuditVerifyJob,
  AuditVerifyReport,
  IdParams,
} from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import type { AuditCheckpointer } from './checkpointer.ts';
import { searchAudit } from './store.ts';
import { subjectKey } from './subject-report.ts';
import { verifyChain } from './verify.ts';
import type { VerifyJobs } from './verify-jobs.ts';

const auditors = rule('auditors and platform admins', canReadAudit);

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function present(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camel(k)] = v instanceof Date ? v.toISOString() : v;
  return out;
}

export async function auditRoutes(
  app: FastifyInstance,
  { db, checkpointer, jobs }: { db: Db; checkpointer: AuditCheckpointer; jobs: VerifyJobs },
) {
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
        const subject = log === 'access' && q.subject ? subjectKey(q.subject) : undefined;
        const rows = await searchAudit(db, log, {
          ...q,
          ...(subject ? { subject } : {}),
          limit,
          ...(q.cursor ? { before: Number(q.cursor) } : {}),
        });
        // Searching the log is not itself logged, but asking who read one person's or company's
        // records is what an access report answers, and that is recorded (mode report, which the
        // subject's own report leaves out): the same look by another road is recorded the same way.
        if (subject) {
          await app.audit.record({
            actor: principalOf(request),
            mode: 'report',
            outcome: 'ok',
            subjectKeys: [subject],
            recordCount: rows.length,
            query: { search: 'audit.access' },
            requestId: request.id,
          });
        }
        return {
          items: rows.map(present) as unknown as (AuditAdminEntry | AuditAccessEntry)[],
          nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.seq) : null,
        };
      },
    });
  }

  const fullRun = 'To re-walk every entry and check every checkpoint, run a full verification: POST /v1/audit/verify/jobs, or brx audit verify --checkpoints FILE.';
  const quickNote = (walkedAll: boolean) =>
    walkedAll
      ? `No log has a signed checkpoint yet, so every entry was hashed; nothing was compared with a checkpoint. ${fullRun}`
      : `Only the entries after each log’s last signed checkpoint (fromSeq) were hashed; older entries were not re-walked. ${fullRun}`;

  app.get<{ Reply: AuditVerifyReport }>('/v1/audit/verify', {
    config: { access: auditors },
    schema: {
      ...describe(
        'audit',
        'Verify both hash chains from their last signed checkpoint on (quick on any size of log); names the first broken entry. It does not re-walk the entries before those checkpoints: intact says nothing of them (olderEntriesWalked, lastFullVerification). A full verification is a job (POST /v1/audit/verify/jobs)',
      ),
      response: { 200: ref('AuditVerifyReport'), ...problemResponses },
    },
    handler: async () => {
      const from = await checkpointer.latest();
      const logs = [];
      for (const log of ['admin', 'access'] as AuditLog[]) logs.push(await verifyChain(db, log, { from: from.get(log) }));
      return {
        intact: logs.every((l) => l.intact),
        scope: 'since-checkpoint' as const,
        // intact here vouches for the entries walked, not the log: older ones were last re-hashed
        // by a full verification, whose time (or absence) the answer says
        olderEntriesWalked: logs.every((l) => l.fromSeq === 0),
        note: quickNote(logs.every((l) => l.fromSeq === 0)),
        lastFullVerification: jobs.lastFull(),
        logs,
      };
    },
  });

  app.post<{ Reply: AuditVerifyJob }>('/v1/audit/verify/jobs', {
    config: { access: auditors },
    schema: {
      ...describe('audit', 'Start a full verification (every entry, every checkpoint) in the background; one runs at a time, asking again answers the running one'),
      response: { 202: ref('AuditVerifyJob'), ...problemResponses },
    },
    handler: async (_request, reply) => reply.status(202).send(jobs.start()),
  });

  app.get<{ Params: IdParams; Reply: AuditVerifyJob }>('/v1/audit/verify/jobs/:id', {
    config: { access: auditors },
    schema: {
      ...describe('audit', 'Progress and result of a full verification'),
      params: ref('IdParams'),
      response: { 200: ref('AuditVerifyJob'), ...problemResponses },
    },
    handler: async (request) => {
      const job = jobs.get(request.params.id);
      if (!job) throw notFound(`No verification job ${request.params.id} (jobs live in the process that ran them, until it restarts)`);
      return job;
    },
  });

  app.get('/v1/audit/checkpoints', {
    config: { access: auditors },
    schema: {
      ...describe('audit', 'The signed checkpoint file (NDJSON, one checkpoint a line), for `brx audit verify --checkpoints FILE` or an auditor’s own check'),
      response: {
        200: { description: 'one signed checkpoint per line', content: { 'application/x-ndjson': { schema: ref('AuditCheckpoint') } } },
        ...problemResponses,
      },
    },
    handler: async (_request, reply) => {
      const text = await readFile(checkpointer.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return ''; // none written yet
        throw error;
      });
      return reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', 'attachment; filename="audit-checkpoints.ndjson"').send(text);
    },
  });

  app.get('/v1/audit/public-key', {
    config: { access: auditors },
    schema: {
      ...describe('audit', 'The platform audit public key (Ed25519, PEM) that signs the checkpoints'),
      response: {
        200: { description: 'SPKI public key, PEM', content: { 'application/x-pem-file': { schema: { type: 'string' } } } },
        ...problemResponses,
      },
    },
    handler: async (_request, reply) => reply.type('application/x-pem-file').send(checkpointer.publicKeyPem),
  });
}
