import type { FastifyInstance } from 'fastify';
import type { AbsenceCreate, CalendarYearUpdate, IdParams, YearParams } from '../../contracts/generated/api.ts';
import { recordAdminAction } from '../audit/store.ts';
import { anyone, principalOf, rule } from '../auth/guard.ts';
import { canAdministerDepartment, canReadAudit, departmentsOf, isPlatformAdmin } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { forbidden, invalid, notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { readCalendarYear, replaceCalendarYear } from './calendar-store.ts';

const platformAdmins = rule('platform admins', isPlatformAdmin);

/** The working-day calendar (maintained each year when the State Council publishes it) and AB-post absences. */
export async function calendarRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Params: YearParams }>('/v1/calendar/:year', {
    config: { access: anyone },
    schema: {
      ...describe('cases', "A year's public holidays and make-up working days (调休)"),
      params: ref('YearParams'),
      response: { 200: ref('CalendarYear'), ...problemResponses },
    },
    handler: async (request) => readCalendarYear(db, request.params.year),
  });

  app.put<{ Params: YearParams; Body: CalendarYearUpdate }>('/v1/calendar/:year', {
    config: { access: platformAdmins },
    schema: {
      ...describe('cases', "Enter a year's official schedule, replacing what was there"),
      params: ref('YearParams'),
      body: ref('CalendarYearUpdate'),
      response: { 200: ref('CalendarYear'), ...problemResponses },
    },
    handler: async (request) => {
      const { year } = request.params;
      const errors = request.body.days.flatMap((d, i) =>
        d.date.startsWith(`${year}-`) ? [] : [{ pointer: `/days/${i}/date`, message: `is not in ${year}` }],
      );
      const dates = request.body.days.map((d) => d.date);
      dates.forEach((d, i) => {
        if (dates.indexOf(d) !== i) errors.push({ pointer: `/days/${i}/date`, message: `${d} is listed twice` });
      });
      if (errors.length) throw invalid('The calendar cannot be entered as it stands', errors);
      await db.transaction().execute(async (trx) => {
        await replaceCalendarYear(trx, year, {
          confirmed: request.body.confirmed ?? true,
          source: request.body.source ?? '',
          days: request.body.days.map((d) => ({ date: d.date, kind: d.kind, name: d.name ?? '' })),
        });
        await recordAdminAction(trx, { ...actorOf(request), action: 'calendar.replace', targetKind: 'calendar', targetId: String(year), detail: { days: dates.length } });
      });
      return readCalendarYear(db, year);
    },
  });

  async function userDepartments(id: string): Promise<string[]> {
    const user = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
    if (!user) throw notFound(`No user ${id}`);
    const roles = await db.selectFrom('user_roles').select('department_id').where('user_id', '=', id).execute();
    return roles.flatMap((r) => (r.department_id ? [r.department_id] : []));
  }

  app.post<{ Params: IdParams; Body: AbsenceCreate }>('/v1/users/:id/absences', {
    config: { access: rule('the person, their department head, or platform admins', (p) => p.kind === 'user') },
    schema: {
      ...describe('cases', 'Mark a person away (AB岗): their cases go to the backup meanwhile'),
      params: ref('IdParams'),
      body: ref('AbsenceCreate'),
      response: { 201: ref('Absence'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const p = principalOf(request);
      const departments = await userDepartments(request.params.id);
      const self = p.kind === 'user' && p.userId === request.params.id;
      if (!self && !departments.some((d) => canAdministerDepartment(p, d)) && !isPlatformAdmin(p)) {
        throw forbidden("Only the person, their department's head or a platform admin records an absence");
      }
      if (request.body.until < request.body.from) throw invalid('The absence ends before it starts', [{ pointer: '/until', message: 'is before from' }]);
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('approver_absences')
          .values({ user_id: request.params.id, from_day: request.body.from, until_day: request.body.until, reason: request.body.reason ?? '' })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAdminAction(trx, { ...actorOf(request), action: 'user.absence', targetKind: 'user', targetId: request.params.id, detail: { from: inserted.from_day, until: inserted.until_day } });
        return inserted;
      });
      return reply.status(201).send({ id: row.id, userId: row.user_id, from: row.from_day, until: row.until_day, reason: row.reason });
    },
  });

  app.get<{ Params: IdParams }>('/v1/users/:id/absences', {
    config: { access: rule('the person, people of their department, auditors and platform admins', (p) => p.kind === 'user') },
    schema: { ...describe('cases', "A person's absences"), params: ref('IdParams'), response: { 200: ref('AbsenceList'), ...problemResponses } },
    handler: async (request) => {
      const p = principalOf(request);
      const departments = await userDepartments(request.params.id);
      const self = p.kind === 'user' && p.userId === request.params.id;
      // another department's staff plans are not its business: answered like an unknown person
      if (!self && !canReadAudit(p) && !departments.some((d) => departmentsOf(p).includes(d))) throw notFound(`No user ${request.params.id}`);
      const rows = await db.selectFrom('approver_absences').selectAll().where('user_id', '=', request.params.id).orderBy('from_day', 'desc').execute();
      return { items: rows.map((r) => ({ id: r.id, userId: r.user_id, from: r.from_day, until: r.until_day, reason: r.reason })) };
    },
  });
}
