import type { CaseActionRequest } from '../../contracts/generated/api.ts';
import type { Tx } from '../db/database.ts';
import { conflict, type FieldError, forbidden, invalid, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { createGrant } from '../grants/store.ts';
import { notify } from '../notifications/notify.ts';
import { atTop, canActOn, canSee, mayEscalate } from './access.ts';
import { dayOf } from './calendar.ts';
import { type CaseContext, isRequester } from './context.ts';
import { announceDispute, settleDispute } from './objections.ts';
import { actsForOrAbove, peopleOf, supervises, supervisorOf } from './routing.ts';
import { actionRules, type CaseAction, checkTransition } from './states.ts';
import { appendTimeline, type CaseRow, findCase, involve, type PartRow, partsOf } from './store.ts';

const dayMs = 86_400_000;

function needs<K extends keyof CaseActionRequest>(body: CaseActionRequest, fields: K[]): void {
  const missing = fields.filter((f) => body[f] === undefined);
  if (missing.length) {
    throw invalid(`The action ${body.action} needs ${missing.join(', ')}`, missing.map((f) => ({ pointer: `/${String(f)}`, message: 'is required' })));
  }
}

interface Step {
  readonly trx: Tx;
  readonly ctx: CaseContext;
  readonly events: EventLog;
  readonly c: CaseRow;
  readonly parts: PartRow[];
  readonly body: CaseActionRequest;
  /** the parts the acting provider works on */
  readonly acted: PartRow[];
  readonly today: string;
}

/** The parts a provider-side action is about: the named dataset's, or every part the caller may act on. */
async function providerParts(trx: Tx, ctx: CaseContext, parts: PartRow[], body: CaseActionRequest, single: boolean): Promise<PartRow[]> {
  const mine: PartRow[] = [];
  for (const part of parts) if (await canActOn(trx, ctx.actor, part)) mine.push(part);
  const chosen = body.dataset ? mine.filter((p) => p.dataset_code === body.dataset) : mine;
  if (body.dataset && !parts.some((p) => p.dataset_code === body.dataset)) {
    throw invalid('The case does not cover that dataset', [{ pointer: '/dataset', message: `not in this case: ${body.dataset}` }]);
  }
  if (chosen.length === 0) throw forbidden('Only the department that must act on this case (or its supervisor after an escalation) may do that');
  if (single && chosen.length > 1) {
    throw invalid('Name the dataset this action is about', [{ pointer: '/dataset', message: `one of ${chosen.map((p) => p.dataset_code).join(', ')}` }]);
  }
  return chosen;
}

function actingFor(ctx: CaseContext, part: PartRow | undefined): string | null {
  const p = ctx.actor;
  return p.kind === 'user' && part?.acting_for_id && part.assignee_id === p.userId ? part.acting_for_id : null;
}

/** A provider acted: the idle clock of its parts restarts (escalation counts from here). */
async function touch(s: Step): Promise<void> {
  if (s.acted.length === 0) return;
  await s.trx
    .updateTable('case_parts')
    .set({ last_action_at: s.ctx.now })
    .where('id', 'in', s.acted.map((p) => p.id))
    .execute();
}

async function tellRequester(s: Step, kind: 'accepted' | 'supplement_needed' | 'decided' | 'escalated', title: string, detail: Record<string, unknown> = {}) {
  await notify(
    s.trx,
    { users: [s.c.requester_user_id], system: s.c.requester_system_id },
    { kind, title: `${s.c.tracking_no} ${title}`, caseId: s.c.id, detail: { state: detail.state ?? null, ...detail } },
    s.ctx.now,
  );
}

/** Records a part's outcome, with what the statistics need: working days taken and whether it was on time. */
async function settlePart(s: Step, part: PartRow, state: PartRow['state'], decision: Record<string, unknown>): Promise<void> {
  await s.trx
    .updateTable('case_parts')
    .set({
      state,
      decision: JSON.stringify(decision),
      decided_at: s.ctx.now,
      last_action_at: s.ctx.now,
      working_days_taken: s.ctx.calendar.workingDaysBetween(s.c.received_on, s.today),
      on_time: s.today <= s.c.due_on,
      ...(typeof decision.grantId === 'string' ? { grant_id: decision.grantId } : {}),
    })
    .where('id', '=', part.id)
    .execute();
}

/** Everything decided: the case closes with the sum of the parts' outcomes. */
function overall(parts: PartRow[]): string | null {
  if (parts.some((p) => p.state === 'pending')) return null;
  if (parts.every((p) => p.state === 'approved')) return 'approved';
  if (parts.every((p) => p.state === 'rejected')) return 'rejected';
  return 'partially_approved';
}

async function decide(s: Step): Promise<{ to: string; detail: Record<string, unknown> }> {
  const { trx, ctx, c, body } = s;
  needs(body, ['outcome']);
  const part = s.acted[0]!;
  const reviewable = part.fields.filter((f) => !part.auto_fields.includes(f) && !part.refused_fields.includes(f));
  const decision: Record<string, unknown> = { outcome: body.outcome, reason: body.reason ?? null };
  let state: PartRow['state'];
  if (body.outcome === 'approve') {
    const fields = body.fields ?? reviewable;
    const errors: FieldError[] = [];
    fields.forEach((f, i) => {
      if (!reviewable.includes(f)) errors.push({ pointer: `/fields/${i}`, message: `${f} was not asked for, or was settled at filing` });
    });
    const granted = [...part.auto_fields, ...fields];
    (body.maskedFields ?? []).forEach((f, i) => {
      if (!granted.includes(f)) errors.push({ pointer: `/maskedFields/${i}`, message: `${f} is not among the granted fields` });
    });
    (body.modes ?? []).forEach((m, i) => {
      if (!c.modes.includes(m)) errors.push({ pointer: `/modes/${i}`, message: `${m} was not asked for (asked: ${c.modes.join(', ')})` });
    });
    if (fields.length === 0) errors.push({ pointer: '/fields', message: 'approve at least one field, or reject' });
    const partial = fields.length < reviewable.length || part.refused_fields.length > 0;
    if (partial && !body.reason) errors.push({ pointer: '/reason', message: 'a partial approval states its reasons' });
    if (errors.length) throw invalid('The decision cannot be recorded as it stands', errors);
    const validUntil = body.validUntil ? new Date(body.validUntil) : new Date(ctx.now.getTime() + (c.duration_days ?? 365) * dayMs);
    const grant = {
      fields: granted,
      maskedFields: body.maskedFields ?? [],
      modes: body.modes ?? c.modes,
      rowFilter: body.rowFilter === undefined ? c.row_filter : body.rowFilter,
      validUntil: validUntil.toISOString(),
      requestsPerMinute: body.requestsPerMinute ?? null,
      recordsPerDay: body.recordsPerDay ?? null,
      covertUntil: body.covertUntil ?? null,
    };
    const grantId = await createGrant(
      trx,
      {
        systemId: c.requester_system_id,
        datasetId: part.dataset_id,
        ...grant,
        validUntil,
        covertUntil: body.covertUntil ? new Date(body.covertUntil) : null,
        purpose: c.purpose,
        legalBasis: c.legal_basis,
        validFrom: ctx.now,
        caseId: c.id,
        supersedes: part.grant_id,
      },
      { actor: ctx.actor, requestId: ctx.requestId },
    );
    Object.assign(decision, grant, { grantId });
    state = partial ? 'partially_approved' : 'approved';
  } else if (body.outcome === 'reject') {
    needs(body, ['reason', 'legalBasis']);
    decision.legalBasis = body.legalBasis;
    state = part.auto_fields.length ? 'partially_approved' : 'rejected';
  } else {
    throw invalid('A decision approves or rejects', [{ pointer: '/outcome', message: 'approve or reject' }]);
  }
  await settlePart(s, part, state, decision);
  const final = overall(s.parts.map((p) => (p.id === part.id ? { ...p, state } : p)));
  if (final) await tellRequester(s, 'decided', `已办结：${final}`, { state: final });
  return { to: final ?? c.state, detail: { ...decision, partState: state } };
}

/**
 * Applies one action to a case: checks the state machine and who may act, changes the case, and
 * writes the timeline entry, all in one transaction with the case row locked.
 */
export async function applyAction(trx: Tx, ctx: CaseContext, events: EventLog, trackingNo: string, body: CaseActionRequest): Promise<void> {
  const c = await findCase(trx, trackingNo, true);
  if (!c || !(await canSee(trx, ctx.actor, c))) throw notFound(`No case ${trackingNo}`);
  const action: CaseAction = body.action;
  checkTransition(c.kind, c.state, action);
  const parts = await partsOf(trx, [c.id]);
  const rule = actionRules[action];
  let acted: PartRow[] = [];
  if (rule.side === 'requester' && !isRequester(ctx.actor, c)) throw forbidden(`Only the requester may ${action}`);
  if (rule.side === 'supervisor' && !(await actsForOrAbove(trx, ctx.actor, c.disputed_to))) {
    throw forbidden('Only the supervising department rules on a dispute');
  }
  if (rule.side === 'provider') {
    acted = await providerParts(trx, ctx, parts, body, ['decide', 'transfer', 'escalate', 'correct', 'reject'].includes(action));
  }
  const today = dayOf(ctx.now);
  const s: Step = { trx, ctx, events, c, parts, body, acted, today };
  const set: Record<string, unknown> = {};
  let to = c.state;
  let note = body.note ?? '';
  const detail: Record<string, unknown> = {};
  const departmentId =
    rule.side === 'provider' ? acted[0]!.department_id : rule.side === 'supervisor' ? c.disputed_to : c.requester_department_id;

  switch (action) {
    case 'accept':
      to = 'under_review';
      await touch(s);
      await tellRequester(s, 'accepted', '已受理');
      break;

    case 'request_supplement': {
      needs(body, ['items', 'reason']);
      const asked = new Set(c.supplement_items);
      const fresh = body.items!.filter((i) => !asked.has(i));
      if (asked.size > 0 && fresh.length > 0) {
        // 一次性告知: everything missing was to be listed the first time
        if (!body.overrideReason) {
          throw conflict('Everything missing must be asked for at once (一次性告知): this asks for something new', [
            { pointer: '/items', message: `not in the first request: ${fresh.join('; ')} — a supervisor may override with overrideReason` },
          ]);
        }
        if (!(await supervises(trx, ctx.actor, acted[0]!.department_id))) {
          throw forbidden('Only a supervisor may override the one-time notification rule');
        }
        detail.override = { reason: body.overrideReason, newItems: fresh };
      }
      to = 'needs_supplement';
      Object.assign(set, {
        paused_at: ctx.now,
        pause_remaining: ctx.calendar.workingDaysBetween(today, c.due_on),
        supplement_items: [...asked, ...fresh],
      });
      Object.assign(detail, { items: body.items, pauseReason: body.reason });
      note = body.reason!;
      await touch(s);
      await tellRequester(s, 'supplement_needed', `需补正材料：${body.items!.join('；')}`, { items: body.items, reason: body.reason });
      break;
    }

    case 'supplement': {
      to = 'submitted';
      const dueOn = ctx.calendar.addWorkingDays(today, c.pause_remaining ?? 0);
      Object.assign(set, { paused_at: null, pause_remaining: null, due_on: dueOn, near_notified: false });
      Object.assign(detail, { dueOn, pausedWorkingDays: ctx.calendar.workingDaysBetween(dayOf(c.paused_at!), today) });
      // the provider's idle clock restarts when what it waited for arrives
      await trx.updateTable('case_parts').set({ last_action_at: ctx.now }).where('case_id', '=', c.id).where('state', '=', 'pending').execute();
      await notify(
        trx,
        { users: parts.filter((p) => p.state === 'pending').map((p) => p.assignee_id) },
        { kind: 'assigned', title: `${c.tracking_no} 材料已补正`, caseId: c.id },
        ctx.now,
      );
      break;
    }

    case 'extend': {
      needs(body, ['days', 'reason']);
      if (c.extended_days) throw conflict(`The deadline was already extended once (by ${c.extended_days} working days)`);
      if (body.days! > ctx.config.caseMaxExtensionDays) {
        throw invalid('Too long an extension', [{ pointer: '/days', message: `at most ${ctx.config.caseMaxExtensionDays} working days` }]);
      }
      const dueOn = ctx.calendar.addWorkingDays(c.due_on, body.days!);
      Object.assign(set, { extended_days: body.days, due_on: dueOn, near_notified: false });
      Object.assign(detail, { days: body.days, from: c.due_on, dueOn });
      note = body.reason!;
      await touch(s);
      break;
    }

    case 'transfer': {
      needs(body, ['toDepartment', 'reason']);
      const part = acted[0]!;
      const target = await trx.selectFrom('departments').select(['id', 'name']).where('id', '=', body.toDepartment!).executeTakeFirst();
      if (!target) throw invalid('No such department', [{ pointer: '/toDepartment', message: `no department ${body.toDepartment}` }]);
      if (target.id === part.department_id) throw invalid('Transfer to another department', [{ pointer: '/toDepartment', message: 'is the department holding the case' }]);
      to = 'transferred';
      await trx
        .updateTable('case_parts')
        .set({ department_id: target.id, assignee_id: null, acting_for_id: null, escalated_to: null, escalation_level: 0, last_action_at: ctx.now })
        .where('id', '=', part.id)
        .execute();
      await involve(trx, c.id, [target.id]);
      Object.assign(detail, { from: part.department_id, to: target.id, toName: target.name });
      note = body.reason!;
      await notify(trx, { users: await peopleOf(trx, target.id) }, { kind: 'assigned', title: `${c.tracking_no} 转办至本部门`, caseId: c.id }, ctx.now);
      break;
    }

    case 'escalate': {
      // 提请上级协调: the department hands the case up a level (as the scheduler does for an idle one);
      // every level it went through keeps its say (access.ts canActOn)
      needs(body, ['reason']);
      const part = acted[0]!;
      if (atTop(part)) {
        throw conflict('The case already sits with the platform administrators: there is no level above', [
          { pointer: '/action', message: 'already escalated to the platform administrators' },
        ]);
      }
      if (!(await mayEscalate(trx, ctx.actor, part))) {
        throw forbidden('Once a case has gone up, only the level that holds it now hands it further up');
      }
      const up = await supervisorOf(trx, part.escalated_to ?? part.department_id);
      await trx
        .updateTable('case_parts')
        .set({ escalated_to: up, escalation_level: part.escalation_level + 1, last_action_at: ctx.now })
        .where('id', '=', part.id)
        .execute();
      await involve(trx, c.id, [up]);
      to = 'escalated';
      Object.assign(detail, { to: up ?? 'platform', level: part.escalation_level + 1, manual: true });
      note = body.reason!;
      const title = `${c.tracking_no} 提请上级协调办理`;
      await notify(trx, { users: await peopleOf(trx, up) }, { kind: 'escalated', title, caseId: c.id }, ctx.now);
      await tellRequester(s, 'escalated', '已提请上级协调办理');
      break;
    }

    case 'decide': {
      const decided = await decide(s);
      to = decided.to;
      Object.assign(detail, decided.detail);
      note = body.reason ?? note;
      break;
    }

    case 'correct':
    case 'reject': {
      if (action === 'reject') needs(body, ['reason', 'legalBasis']);
      const part = acted[0]!;
      const how = action === 'correct' ? 'corrected' : 'rejected';
      await settleDispute(trx, events, c, how, ctx.now);
      to = how;
      const decision = { outcome: how, reason: body.reason ?? null, legalBasis: body.legalBasis ?? null };
      await settlePart(s, part, how, decision);
      Object.assign(detail, decision);
      note = body.reason ?? note;
      await tellRequester(s, 'decided', how === 'corrected' ? '数据已更正' : '异议不成立', { state: how });
      break;
    }

    case 'withdraw':
      to = 'withdrawn';
      await trx.updateTable('case_parts').set({ state: 'withdrawn' }).where('case_id', '=', c.id).where('state', '=', 'pending').execute();
      if (c.kind === 'objection') await settleDispute(trx, events, c, 'withdrawn', ctx.now);
      note = body.reason ?? note;
      break;

    case 'dispute': {
      needs(body, ['statement']);
      const contested = parts.find((p) => p.state !== 'approved') ?? parts[0]!;
      const supervisor = await supervisorOf(trx, contested.department_id);
      to = 'disputed';
      Object.assign(set, { disputed_to: supervisor, decided_state: c.state, closed_at: null });
      await involve(trx, c.id, [supervisor]);
      Object.assign(detail, { statement: body.statement, supervisor, complaintChannel: ctx.config.complaintChannel });
      note = body.statement!;
      await notify(trx, { users: await peopleOf(trx, supervisor) }, { kind: 'escalated', title: `${c.tracking_no} 申请人对决定有异议`, caseId: c.id }, ctx.now);
      break;
    }

    case 'rule': {
      needs(body, ['outcome']);
      if (body.outcome === 'uphold') {
        to = c.decided_state!;
        set.closed_at = ctx.now;
      } else if (body.outcome === 'reopen') {
        to = 'under_review';
        const reopened = parts.filter((p) => p.state === 'rejected' || p.state === 'partially_approved');
        await trx
          .updateTable('case_parts')
          .set({ state: 'pending', decided_at: null, working_days_taken: null, on_time: null, last_action_at: ctx.now })
          .where('id', 'in', reopened.map((p) => p.id))
          .execute();
        const days = Math.max(...reopened.map((p) => p.request_deadline_days));
        Object.assign(set, { due_on: ctx.calendar.addWorkingDays(today, days), closed_at: null, near_notified: false });
        if (c.kind === 'objection') {
          const record = await trx
            .selectFrom('record_disputes as d')
            .innerJoin('records as r', (j) => j.onRef('r.dataset_id', '=', 'd.dataset_id').onRef('r.key', '=', 'd.key'))
            .select(['r.last_offset', 'd.dataset_id', 'd.key'])
            .where('d.case_id', '=', c.id)
            .executeTakeFirstOrThrow();
          await trx.updateTable('record_disputes').set({ closed_at: null, opened_at: ctx.now, opened_offset: record.last_offset }).where('case_id', '=', c.id).execute();
          await announceDispute(trx, events, record.dataset_id, record.key, `dispute:${c.tracking_no}:reopened`);
        }
      } else {
        throw invalid('A ruling upholds the decision or reopens the case', [{ pointer: '/outcome', message: 'uphold or reopen' }]);
      }
      detail.outcome = body.outcome;
      await tellRequester(s, 'decided', body.outcome === 'uphold' ? '复核维持原决定' : '复核后重新审查', { state: to, ruling: body.outcome });
      break;
    }
  }

  if (['withdrawn', 'corrected', 'rejected', 'approved', 'partially_approved'].includes(to) && !('closed_at' in set)) set.closed_at = ctx.now;
  await trx
    .updateTable('cases')
    .set({ ...set, state: to, updated_at: ctx.now } as never)
    .where('id', '=', c.id)
    .execute();
  await appendTimeline(trx, c.id, {
    at: ctx.now,
    action,
    actor: ctx.actor,
    departmentId,
    actingFor: actingFor(ctx, acted[0]),
    datasetId: acted.length === 1 ? acted[0]!.dataset_id : null,
    fromState: c.state,
    toState: to,
    note,
    attachments: body.attachments ?? [],
    detail,
  });
}
