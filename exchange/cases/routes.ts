import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  Case,
  CaseActionRequest,
  CaseQuery,
  CaseStatsQuery,
  ObjectionCreate,
  RequestCreate,
  TrackingParams,
} from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, departmentScope, departmentsOf, hasRole, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { forbidden, notFound } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { decodeCursor, encodeCursor } from '../http/page-cursor.ts';
import { actionsFor, canSee } from './access.ts';
import { applyAction } from './actions.ts';
import { dayOf } from './calendar.ts';
import { loadCalendar } from './calendar-store.ts';
import type { CaseContext } from './context.ts';
import { fileObjection } from './objections.ts';
import { submitRequest } from './requests.ts';
import { caseStats } from './stats.ts';
import { type CaseRow, findCase, listCases, presentCases } from './store.ts';

const filers = rule('consuming systems, and approvers or heads of their departments', (p) =>
  p.kind === 'system' || hasRole(p, 'approver') || hasRole(p, 'dept_admin'),
);
const caseReaders = rule('systems, department people, auditors and platform admins', (p) => p.kind === 'system' || p.kind === 'user');
const statsReaders = rule('auditors, platform admins, and approvers or heads for their own departments', (p) => p.kind === 'user');

export async function caseRoutes(app: FastifyInstance, { db }: { db: Db }) {
  async function context(request: FastifyRequest): Promise<CaseContext> {
    return { actor: principalOf(request), requestId: request.id, now: app.clock.now(), calendar: await loadCalendar(db), config: app.config };
  }

  async function present(p: Principal, cases: CaseRow[], timeline: boolean): Promise<Case[]> {
    return presentCases(db, cases, {
      calendar: await loadCalendar(db),
      now: app.clock.now(),
      allowed: (c, parts) => actionsFor(db, p, c, parts),
      timeline,
      complaintChannel: app.config.complaintChannel,
    });
  }

  async function one(p: Principal, trackingNo: string): Promise<Case> {
    const c = await findCase(db, trackingNo);
    if (!c || !(await canSee(db, p, c))) throw notFound(`No case ${trackingNo}`);
    return (await present(p, [c], true))[0]!;
  }

  app.post<{ Body: RequestCreate }>('/v1/requests', {
    config: { access: filers },
    schema: {
      ...describe('cases', 'Request access to one or more datasets (共享申请); several providers decide in parallel under one tracking number'),
      body: ref('RequestCreate'),
      response: { 201: ref('Case'), 404: ref('Problem'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const ctx = await context(request);
      const trackingNo = await db.transaction().execute((trx) => submitRequest(trx, ctx, request.body));
      return reply.status(201).send(await one(ctx.actor, trackingNo));
    },
  });

  app.post<{ Body: ObjectionCreate }>('/v1/objections', {
    config: { access: filers },
    schema: {
      ...describe('cases', 'Object to a field of a record (数据异议): the record is flagged disputed until the provider answers'),
      body: ref('ObjectionCreate'),
      response: { 201: ref('Case'), 404: ref('Problem'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const ctx = await context(request);
      const trackingNo = await db.transaction().execute((trx) => fileObjection(trx, ctx, app.events, request.body));
      return reply.status(201).send(await one(ctx.actor, trackingNo));
    },
  });

  app.get<{ Params: TrackingParams }>('/v1/cases/:trackingNo', {
    config: { access: caseReaders },
    schema: {
      ...describe('cases', 'A case with its whole timeline, who must act now, and what you may do'),
      params: ref('TrackingParams'),
      response: { 200: ref('Case'), ...problemResponses },
    },
    handler: async (request) => one(principalOf(request), request.params.trackingNo),
  });

  app.get<{ Querystring: CaseQuery }>('/v1/cases', {
    config: { access: caseReaders },
    schema: {
      ...describe('cases', 'Cases you may see: filed by you (mine), waiting for your department (inbox), or all; by state, kind, dataset, flag'),
      querystring: ref('CaseQuery'),
      response: { 200: ref('CaseList'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 50;
      const today = dayOf(app.clock.now());
      const calendar = await loadCalendar(db);
      const position = decodeCursor(q.cursor, ['time', 'text']);
      const before = position ? { createdAt: position[0], trackingNo: position[1] } : undefined;
      const rows = await listCases(db, {
        visibleTo: canReadAudit(p) ? undefined : { departments: departmentsOf(p), systemId: p.kind === 'system' ? p.systemId : null },
        view: q.view ?? 'all',
        platformAdmin: isPlatformAdmin(p),
        ...(q.state ? { state: q.state } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.dataset ? { dataset: q.dataset } : {}),
        ...(q.flag ? { flag: { flag: q.flag, today, yellowUntil: calendar.addWorkingDays(today, 2) } } : {}),
        ...(before ? { before } : {}),
        limit,
      });
      const last = rows[rows.length - 1];
      return {
        items: await present(p, rows, false),
        nextCursor: rows.length === limit && last ? encodeCursor([last.created_at.toISOString(), last.tracking_no]) : null,
      };
    },
  });

  app.post<{ Params: TrackingParams; Body: CaseActionRequest }>('/v1/cases/:trackingNo/actions', {
    config: { access: caseReaders },
    schema: {
      ...describe('cases', 'Act on a case: accept, request_supplement, supplement, extend, transfer, escalate, decide, correct, reject, withdraw, dispute, rule'),
      params: ref('TrackingParams'),
      body: ref('CaseActionRequest'),
      response: { 200: ref('Case'), ...problemResponses },
    },
    handler: async (request) => {
      const ctx = await context(request);
      await db.transaction().execute((trx) => applyAction(trx, ctx, app.events, request.params.trackingNo, request.body));
      return one(ctx.actor, request.params.trackingNo);
    },
  });

  app.get<{ Querystring: CaseStatsQuery }>('/v1/stats/cases', {
    config: { access: statsReaders },
    schema: {
      ...describe('cases', 'Case numbers per department and dataset: received, decided, on time, working days to decide, escalations, backlog'),
      querystring: ref('CaseStatsQuery'),
      response: { 200: ref('CaseStats'), ...problemResponses },
    },
    handler: async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const departments = departmentScope(p, q.department);
      if (departments === null) throw forbidden('Statistics are for auditors, platform admins and department people');
      return caseStats(db, { ...(q.from ? { from: q.from } : {}), ...(q.until ? { until: q.until } : {}), ...(departments ? { departments } : {}) });
    },
  });

}
