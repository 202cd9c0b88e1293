import type { Config } from '../config.ts';
import { type Db, oneAtATime, type Tx } from '../db/database.ts';
import { notify } from '../notifications/notify.ts';
import { dayOf } from './calendar.ts';
import { loadCalendar } from './calendar-store.ts';
import { brx } from './context.ts';
import { absentOn, peopleOf, supervisorOf } from './routing.ts';
import { appendTimeline, involve } from './store.ts';

export interface SweepReport {
  rerouted: number;
  escalated: number;
  deadlineNear: number;
  grantsExpiring: number;
  backlogAlerts: number;
}

// Several exchange processes may run the scheduler; one sweep at a time does the work. A sweep
// locks the rows it may change and skips those a decision holds (that case is seen on the next
// turn, in its new state), and every update names the state it read, so a decision committed in
// between is never overwritten.
const schedulerLock = 0x62727801;
const locked = (db: Db, work: (trx: Tx) => Promise<number>) => oneAtATime(db, schedulerLock, work);

/** AB岗: pending parts of an absent assignee go to the dataset's backup, and come back on return. */
async function reroute(trx: Tx, now: Date): Promise<number> {
  const today = dayOf(now);
  const parts = await trx
    .selectFrom('case_parts as p')
    .innerJoin('cases as c', 'c.id', 'p.case_id')
    .innerJoin('datasets as d', 'd.id', 'p.dataset_id')
    .select(['p.id', 'p.case_id', 'p.assignee_id', 'p.acting_for_id', 'p.department_id', 'p.dataset_id', 'd.backup_contact_id'])
    .where('p.state', '=', 'pending')
    .where('c.closed_at', 'is', null)
    .forUpdate(['p', 'c'])
    .skipLocked()
    .execute();
  const absent = await absentOn(trx, today);
  let count = 0;
  for (const part of parts) {
    let change: { assignee_id: string | null; acting_for_id: string | null } | null = null;
    if (part.acting_for_id && !absent.has(part.acting_for_id)) {
      change = { assignee_id: part.acting_for_id, acting_for_id: null };
    } else if (
      !part.acting_for_id &&
      part.assignee_id &&
      part.backup_contact_id &&
      part.backup_contact_id !== part.assignee_id &&
      absent.has(part.assignee_id)
    ) {
      change = { assignee_id: part.backup_contact_id, acting_for_id: part.assignee_id };
    }
    if (!change) continue;
    const moved = await trx
      .updateTable('case_parts')
      .set(change)
      .where('id', '=', part.id)
      .where('state', '=', 'pending')
      .where('assignee_id', part.assignee_id === null ? 'is' : '=', part.assignee_id)
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) continue;
    await appendTimeline(trx, part.case_id, {
      at: now,
      action: 'reassign',
      actor: brx,
      departmentId: part.department_id,
      datasetId: part.dataset_id,
      actingFor: change.acting_for_id,
      note: change.acting_for_id ? 'A岗不在岗，转B岗代办' : 'A岗返岗，收回办理',
      detail: { from: part.assignee_id, to: change.assignee_id },
    });
    await notify(trx, { users: [change.assignee_id] }, { kind: 'assigned', title: '案件转由您办理', caseId: part.case_id }, now);
    count += 1;
  }
  return count;
}

/** A part idle for N working days in one department goes up a level (parent department, else platform admins). */
async function escalate(trx: Tx, now: Date, config: Config): Promise<number> {
  const calendar = await loadCalendar(trx);
  const today = dayOf(now);
  const parts = await trx
    .selectFrom('case_parts as p')
    .innerJoin('cases as c', 'c.id', 'p.case_id')
    .select([
      'p.id', 'p.case_id', 'p.department_id', 'p.dataset_id', 'p.escalated_to', 'p.escalation_level', 'p.last_action_at',
      'c.state', 'c.tracking_no', 'c.requester_system_id', 'c.requester_user_id',
    ])
    .where('p.state', '=', 'pending')
    .where('c.closed_at', 'is', null)
    .where('c.paused_at', 'is', null)
    .where('c.state', 'in', ['submitted', 'under_review', 'transferred', 'escalated'])
    .forUpdate(['p', 'c'])
    .skipLocked()
    .execute();
  let count = 0;
  for (const part of parts) {
    const idle = calendar.workingDaysBetween(dayOf(part.last_action_at), today);
    if (idle < config.caseEscalateAfterDays) continue;
    // already at the platform administrators: there is nowhere higher to go
    if (part.escalation_level > 0 && part.escalated_to === null) continue;
    const to = await supervisorOf(trx, part.escalated_to ?? part.department_id);
    const raised = await trx
      .updateTable('case_parts')
      .set({ escalated_to: to, escalation_level: part.escalation_level + 1, last_action_at: now })
      .where('id', '=', part.id)
      .where('state', '=', 'pending')
      .where('escalation_level', '=', part.escalation_level)
      .executeTakeFirst();
    if (raised.numUpdatedRows === 0n) continue;
    await trx
      .updateTable('cases')
      .set({ state: 'escalated', updated_at: now })
      .where('id', '=', part.case_id)
      .where('state', '=', part.state)
      .where('closed_at', 'is', null)
      .execute();
    await involve(trx, part.case_id, [to]);
    await appendTimeline(trx, part.case_id, {
      at: now,
      action: 'escalate',
      actor: brx,
      departmentId: part.department_id,
      datasetId: part.dataset_id,
      fromState: part.state,
      toState: 'escalated',
      note: `${idle} 个工作日无办理动作，自动升级督办`,
      detail: { idleWorkingDays: idle, to: to ?? 'platform', level: part.escalation_level + 1 },
    });
    const title = `${part.tracking_no} 超过 ${idle} 个工作日未办理，已升级督办`;
    await notify(trx, { users: await peopleOf(trx, to) }, { kind: 'escalated', title, caseId: part.case_id }, now);
    await notify(trx, { users: [part.requester_user_id], system: part.requester_system_id }, { kind: 'escalated', title, caseId: part.case_id }, now);
    count += 1;
  }
  return count;
}

/** Once per deadline: the requester and the assignees hear when it is 2 working days away or past. */
async function deadlineNear(trx: Tx, now: Date): Promise<number> {
  const calendar = await loadCalendar(trx);
  const today = dayOf(now);
  const soon = calendar.addWorkingDays(today, 2);
  const cases = await trx
    .selectFrom('cases')
    .select(['id', 'tracking_no', 'due_on', 'requester_system_id', 'requester_user_id'])
    .where('closed_at', 'is', null)
    .where('paused_at', 'is', null)
    .where('near_notified', '=', false)
    .where('state', 'in', ['submitted', 'under_review', 'transferred', 'escalated'])
    .where('due_on', '<=', soon)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const c of cases) {
    const assignees = await trx.selectFrom('case_parts').select('assignee_id').where('case_id', '=', c.id).where('state', '=', 'pending').execute();
    const title = `${c.tracking_no} 办理期限 ${c.due_on}${c.due_on < today ? '，已超期' : ''}`;
    const n = { kind: 'deadline_near', title, caseId: c.id, detail: { dueOn: c.due_on } } as const;
    await notify(trx, { users: [c.requester_user_id, ...assignees.map((a) => a.assignee_id)], system: c.requester_system_id }, n, now);
    await trx.updateTable('cases').set({ near_notified: true }).where('id', '=', c.id).execute();
  }
  return cases.length;
}

async function grantsExpiring(trx: Tx, now: Date, config: Config): Promise<number> {
  const horizon = new Date(now.getTime() + config.grantExpiryNoticeDays * 86_400_000);
  const grants = await trx
    .selectFrom('grants as g')
    .innerJoin('datasets as d', 'd.id', 'g.dataset_id')
    .leftJoin('cases as c', 'c.id', 'g.case_id')
    .select(['g.id', 'g.system_id', 'g.valid_until', 'd.name', 'c.requester_user_id'])
    .where('g.revoked_at', 'is', null)
    .where('g.superseded_by', 'is', null)
    .where('g.expiry_notified', '=', false)
    .where('g.valid_until', '>', now)
    .where('g.valid_until', '<=', horizon)
    .forUpdate(['g'])
    .skipLocked()
    .execute();
  for (const g of grants) {
    const title = `共享授权将于 ${g.valid_until!.toISOString().slice(0, 10)} 到期：${g.name}`;
    await notify(trx, { users: [g.requester_user_id], system: g.system_id }, { kind: 'grant_expiring', title, grantId: g.id, detail: { validUntil: g.valid_until } }, now);
    await trx.updateTable('grants').set({ expiry_notified: true }).where('id', '=', g.id).execute();
  }
  return grants.length;
}

/** A pile-up of open cases for one dataset in one department: a sign the procedure needs attention. */
async function backlog(trx: Tx, now: Date, config: Config): Promise<number> {
  const piles = await trx
    .selectFrom('case_parts as p')
    .innerJoin('cases as c', 'c.id', 'p.case_id')
    .innerJoin('datasets as d', 'd.id', 'p.dataset_id')
    .select(['p.department_id', 'p.dataset_id', 'd.code', 'd.name', (eb) => eb.fn.countAll<number>().as('open')])
    .where('p.state', '=', 'pending')
    .where('c.closed_at', 'is', null)
    .groupBy(['p.department_id', 'p.dataset_id', 'd.code', 'd.name'])
    .having((eb) => eb.fn.countAll(), '>', config.caseBacklogThreshold)
    .execute();
  for (const pile of piles) {
    const users = [...(await peopleOf(trx, pile.department_id)), ...(await peopleOf(trx, null))];
    await notify(
      trx,
      { users },
      {
        kind: 'backlog',
        title: `积压预警：${pile.name} 待办 ${pile.open} 件（阈值 ${config.caseBacklogThreshold}）`,
        detail: { department: pile.department_id, dataset: pile.code, open: Number(pile.open) },
        dedupe: `backlog:${pile.department_id}:${pile.dataset_id}:${dayOf(now)}`,
      },
      now,
    );
  }
  return piles.length;
}

/** One pass of every timed rule. Safe to run often and from several processes. */
export async function runCaseScheduler(db: Db, now: Date, config: Config): Promise<SweepReport> {
  return {
    rerouted: await locked(db, (trx) => reroute(trx, now)),
    escalated: await locked(db, (trx) => escalate(trx, now, config)),
    deadlineNear: await locked(db, (trx) => deadlineNear(trx, now)),
    grantsExpiring: await locked(db, (trx) => grantsExpiring(trx, now, config)),
    backlogAlerts: await locked(db, (trx) => backlog(trx, now, config)),
  };
}
