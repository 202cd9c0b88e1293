import { sql } from 'kysely';
import type { Attachment, Case, CasePart, RowFilter, TimelineEntry } from '../../contracts/generated/api.ts';
import { actorColumns, type AdminEntry } from '../audit/entries.ts';
import type { Db, Tx } from '../db/database.ts';
import type { CasePartsTable, CasesTable } from '../db/schema.ts';
import { type Day, dayOf, type WorkCalendar } from './calendar.ts';
import { isOpen } from './states.ts';

export type CaseRow = Omit<CasesTable, 'id' | 'supplement_items' | 'near_notified' | 'created_at' | 'updated_at' | 'paused_at' | 'closed_at'> & {
  id: string;
  supplement_items: string[];
  near_notified: boolean;
  created_at: Date;
  updated_at: Date;
  paused_at: Date | null;
  closed_at: Date | null;
  row_filter: RowFilter | null;
  detail: Record<string, unknown>;
};

export type PartRow = Omit<CasePartsTable, 'id' | 'state' | 'auto_fields' | 'refused_fields' | 'escalation_level' | 'last_action_at' | 'decided_at'> & {
  id: string;
  state: 'pending' | 'approved' | 'partially_approved' | 'rejected' | 'corrected' | 'withdrawn';
  auto_fields: string[];
  refused_fields: string[];
  escalation_level: number;
  last_action_at: Date;
  decided_at: Date | null;
  decision: Record<string, unknown> | null;
  dataset_code: string;
  dataset_name: string;
  request_deadline_days: number;
};

export async function findCase(db: Db | Tx, trackingNo: string, lock = false): Promise<CaseRow | undefined> {
  let q = db.selectFrom('cases').selectAll().where('tracking_no', '=', trackingNo);
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst()) as CaseRow | undefined;
}

export async function partsOf(db: Db | Tx, caseIds: readonly string[]): Promise<PartRow[]> {
  if (caseIds.length === 0) return [];
  return (await db
    .selectFrom('case_parts as p')
    .innerJoin('datasets as d', 'd.id', 'p.dataset_id')
    .selectAll('p')
    .select(['d.code as dataset_code', 'd.name as dataset_name', 'd.request_deadline_days'])
    .where('p.case_id', 'in', caseIds)
    .orderBy('d.code')
    .execute()) as PartRow[];
}

/** Tracking numbers people can quote on the phone: SQ-20261122-000123, numbered per day. */
export async function nextTrackingNo(trx: Tx, prefix: 'SQ' | 'YY', day: Day): Promise<string> {
  const { last } = await trx
    .insertInto('case_numbers')
    .values({ prefix, day, last: 1 })
    .onConflict((oc) => oc.columns(['prefix', 'day']).doUpdateSet({ last: sql`case_numbers.last + 1` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  return `${prefix}-${day.replaceAll('-', '')}-${String(last).padStart(6, '0')}`;
}

export async function involve(trx: Tx, caseId: string, departmentIds: readonly (string | null)[]): Promise<void> {
  const ids = [...new Set(departmentIds.filter((d): d is string => Boolean(d)))];
  if (ids.length === 0) return;
  await trx
    .insertInto('case_departments')
    .values(ids.map((department_id) => ({ case_id: caseId, department_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export interface TimelineInput {
  at: Date;
  action: string;
  actor: AdminEntry['actor'];
  departmentId?: string | null;
  actingFor?: string | null;
  datasetId?: string | null;
  fromState?: string | null;
  toState?: string | null;
  note?: string;
  attachments?: readonly Attachment[];
  detail?: Record<string, unknown>;
}

export async function appendTimeline(trx: Tx, caseId: string, e: TimelineInput): Promise<void> {
  const actor = actorColumns(e.actor);
  await trx
    .insertInto('case_timeline')
    .values({
      case_id: caseId,
      at: e.at,
      action: e.action,
      actor_kind: actor.actor_kind,
      actor_id: actor.actor_id,
      actor_name: actor.actor_name,
      department_id: e.departmentId ?? null,
      acting_for_id: e.actingFor ?? null,
      dataset_id: e.datasetId ?? null,
      from_state: e.fromState ?? null,
      to_state: e.toState ?? null,
      note: e.note ?? '',
      attachments: JSON.stringify(e.attachments ?? []),
      detail: JSON.stringify(e.detail ?? {}),
    })
    .execute();
}

async function timelineOf(db: Db, caseId: string): Promise<TimelineEntry[]> {
  const rows = await db
    .selectFrom('case_timeline as t')
    .leftJoin('departments as d', 'd.id', 't.department_id')
    .leftJoin('users as u', 'u.id', 't.acting_for_id')
    .leftJoin('datasets as ds', 'ds.id', 't.dataset_id')
    .select([
      't.at', 't.action', 't.actor_kind', 't.actor_id', 't.actor_name', 't.department_id', 'd.name as department_name',
      't.acting_for_id', 'u.display_name as acting_for_name', 'ds.code as dataset_code', 't.from_state', 't.to_state',
      't.note', 't.attachments', 't.detail',
    ])
    .where('t.case_id', '=', caseId)
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    action: r.action,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    department: r.department_id ? { id: r.department_id, name: r.department_name ?? '' } : null,
    actingFor: r.acting_for_id ? { id: r.acting_for_id, name: r.acting_for_name ?? '' } : null,
    dataset: r.dataset_code,
    fromState: r.from_state,
    toState: r.to_state,
    note: r.note,
    attachments: r.attachments as Attachment[],
    detail: r.detail as Record<string, unknown>,
  }));
}

/** Red: overdue; yellow: due within 2 working days; green otherwise. None while closed or paused. */
export function flagOf(c: Pick<CaseRow, 'state' | 'due_on' | 'paused_at'>, calendar: WorkCalendar, today: Day): Case['flag'] {
  if (!isOpen(c.state) || c.paused_at) return null;
  if (today > c.due_on) return 'red';
  return calendar.workingDaysBetween(today, c.due_on) <= 2 ? 'yellow' : 'green';
}

/**
 * Working days left to the deadline on the calendar: 0 when due today, negative (working days
 * past it, at least 1 once the day is over: a weekend after a Friday deadline is not "due
 * today") when overdue; null while the clock does not run (closed, paused, disputed).
 */
export function workingDaysLeft(c: Pick<CaseRow, 'state' | 'due_on' | 'paused_at'>, calendar: WorkCalendar, today: Day): number | null {
  if (!isOpen(c.state) || c.paused_at) return null;
  return today > c.due_on ? -Math.max(1, calendar.workingDaysBetween(c.due_on, today)) : calendar.workingDaysBetween(today, c.due_on);
}

async function names(db: Db, table: 'departments' | 'systems' | 'users', ids: readonly (string | null)[]) {
  const wanted = [...new Set(ids.filter((i): i is string => Boolean(i)))];
  if (wanted.length === 0) return new Map<string, string>();
  const rows =
    table === 'users'
      ? await db.selectFrom('users').select(['id', 'display_name as name']).where('id', 'in', wanted).execute()
      : await db.selectFrom(table).select(['id', 'name']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface PresentOptions {
  calendar: WorkCalendar;
  now: Date;
  allowed: (c: CaseRow, parts: PartRow[]) => Promise<string[]>;
  timeline: boolean;
  complaintChannel: string;
}

export async function presentCases(db: Db, cases: CaseRow[], o: PresentOptions): Promise<Case[]> {
  const parts = await partsOf(db, cases.map((c) => c.id));
  const departments = await names(db, 'departments', [
    ...cases.flatMap((c) => [c.requester_department_id, c.disputed_to]),
    ...parts.flatMap((p) => [p.department_id, p.escalated_to]),
  ]);
  const systems = await names(db, 'systems', cases.map((c) => c.requester_system_id));
  const people = await names(db, 'users', [
    ...cases.map((c) => c.requester_user_id),
    ...parts.flatMap((p) => [p.assignee_id, p.acting_for_id]),
  ]);
  const named = (map: Map<string, string>, id: string | null) => (id ? { id, name: map.get(id) ?? '' } : null);
  const today = dayOf(o.now);
  const out: Case[] = [];
  for (const c of cases) {
    const mine = parts.filter((p) => p.case_id === c.id);
    const presentPart = (p: PartRow): CasePart => ({
      dataset: p.dataset_code,
      datasetName: p.dataset_name,
      fields: p.fields,
      state: p.state,
      department: named(departments, p.department_id)!,
      assignee: named(people, p.assignee_id),
      actingFor: named(people, p.acting_for_id),
      autoFields: p.auto_fields,
      refusedFields: p.refused_fields,
      escalatedTo: p.escalation_level > 0 ? (p.escalated_to ? (departments.get(p.escalated_to) ?? '') : 'platform administrators') : null,
      decision: p.decision,
      grantId: p.grant_id,
    });
    const view: Case = {
      trackingNo: c.tracking_no,
      kind: c.kind,
      state: c.state,
      flag: flagOf(c, o.calendar, today),
      requester: {
        system: named(systems, c.requester_system_id)!,
        department: named(departments, c.requester_department_id)!,
        person: named(people, c.requester_user_id),
        contact: c.requester_contact,
      },
      purpose: c.purpose,
      legalBasis: c.legal_basis,
      modes: c.modes,
      rowScope: c.row_filter,
      durationDays: c.duration_days,
      receivedOn: c.received_on,
      dueOn: c.due_on,
      workingDaysLeft: workingDaysLeft(c, o.calendar, today),
      paused: c.paused_at !== null,
      extendedDays: c.extended_days,
      supplementItems: c.supplement_items,
      parts: mine.map(presentPart),
      allowedActions: await o.allowed(c, mine),
      createdAt: c.created_at.toISOString(),
      updatedAt: c.updated_at.toISOString(),
      closedAt: c.closed_at?.toISOString() ?? null,
    };
    if (c.kind === 'objection') view.objection = c.detail as NonNullable<Case['objection']>;
    if (c.state === 'disputed') {
      view.disputedTo = c.disputed_to ? (departments.get(c.disputed_to) ?? '') : 'platform administrators';
      view.complaintChannel = o.complaintChannel;
    }
    if (o.timeline) view.timeline = await timelineOf(db, c.id);
    out.push(view);
  }
  return out;
}

export interface CaseFilter {
  /** undefined: everything (auditors, platform admins) */
  visibleTo?: { departments: readonly string[]; systemId: string | null };
  view: 'mine' | 'inbox' | 'all';
  platformAdmin: boolean;
  state?: string;
  kind?: 'request' | 'objection';
  dataset?: string;
  /** flag bounds: red before `today`, yellow up to `yellowUntil` */
  flag?: { flag: 'green' | 'yellow' | 'red'; today: Day; yellowUntil: Day };
  before?: { createdAt: string; trackingNo: string };
  limit: number;
}

export async function listCases(db: Db, f: CaseFilter): Promise<CaseRow[]> {
  const none = ['00000000-0000-0000-0000-000000000000'];
  const depts = f.visibleTo?.departments.length ? [...f.visibleTo.departments] : none;
  const system = f.visibleTo?.systemId ?? none[0]!;
  let q = db.selectFrom('cases as c').selectAll('c');
  if (f.visibleTo) {
    q = q.where((eb) =>
      eb.or([
        eb('c.requester_system_id', '=', system),
        eb('c.requester_department_id', 'in', depts),
        eb.exists(eb.selectFrom('case_departments as cd').select('cd.case_id').whereRef('cd.case_id', '=', 'c.id').where('cd.department_id', 'in', depts)),
      ]),
    );
  }
  if (f.view === 'mine') {
    q = q.where((eb) => eb.or([eb('c.requester_system_id', '=', system), eb('c.requester_department_id', 'in', depts)]));
  }
  if (f.view === 'inbox') {
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('case_parts as p')
            .select('p.id')
            .whereRef('p.case_id', '=', 'c.id')
            .where('p.state', '=', 'pending')
            .where((w) =>
              w.or([
                w('p.department_id', 'in', depts),
                w('p.escalated_to', 'in', depts),
                ...(f.platformAdmin ? [w.and([w('p.escalation_level', '>', 0), w('p.escalated_to', 'is', null)])] : []),
              ]),
            ),
        ),
        eb.and([eb('c.state', '=', 'disputed'), eb('c.disputed_to', 'in', depts)]),
        ...(f.platformAdmin ? [eb.and([eb('c.state', '=', 'disputed'), eb('c.disputed_to', 'is', null)])] : []),
        eb.and([
          eb('c.state', '=', 'needs_supplement'),
          eb.or([eb('c.requester_system_id', '=', system), eb('c.requester_department_id', 'in', depts)]),
        ]),
      ]),
    );
  }
  if (f.state) q = q.where('c.state', '=', f.state);
  if (f.kind) q = q.where('c.kind', '=', f.kind);
  if (f.dataset) {
    const code = f.dataset;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('case_parts as p')
          .innerJoin('datasets as d', 'd.id', 'p.dataset_id')
          .select('p.id')
          .whereRef('p.case_id', '=', 'c.id')
          .where('d.code', '=', code),
      ),
    );
  }
  if (f.flag) {
    q = q.where('c.closed_at', 'is', null).where('c.paused_at', 'is', null).where('c.state', '!=', 'needs_supplement').where('c.state', '!=', 'disputed');
    const { flag, today, yellowUntil } = f.flag;
    if (flag === 'red') q = q.where('c.due_on', '<', today);
    if (flag === 'yellow') q = q.where('c.due_on', '>=', today).where('c.due_on', '<=', yellowUntil);
    if (flag === 'green') q = q.where('c.due_on', '>', yellowUntil);
  }
  if (f.before) {
    const { createdAt, trackingNo } = f.before;
    q = q.where((eb) =>
      eb.or([eb('c.created_at', '<', new Date(createdAt)), eb.and([eb('c.created_at', '=', new Date(createdAt)), eb('c.tracking_no', '<', trackingNo)])]),
    );
  }
  return (await q.orderBy('c.created_at', 'desc').orderBy('c.tracking_no', 'desc').limit(f.limit).execute()) as CaseRow[];
}
