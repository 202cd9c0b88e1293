import { canReadAudit, departmentsOf, type Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/database.ts';
import { isRequester } from './context.ts';
import { actsFor, actsForOrAbove, supervises } from './routing.ts';
import { actionRules, allowedActions, type CaseAction } from './states.ts';
import type { CaseRow, PartRow } from './store.ts';

/**
 * Who sees a case: the requester (system and department), every department involved (providers,
 * departments it was transferred or escalated to, the supervisor of a dispute), auditors and
 * platform admins. Nobody else learns that it exists.
 */
export async function canSee(db: Db | Tx, p: Principal, c: CaseRow): Promise<boolean> {
  if (canReadAudit(p) || isRequester(p, c)) return true;
  if (p.kind !== 'user') return false;
  const mine = departmentsOf(p);
  if (mine.length === 0) return false;
  const row = await db
    .selectFrom('case_departments')
    .select('department_id')
    .where('case_id', '=', c.id)
    .where('department_id', 'in', mine)
    .executeTakeFirst();
  return row !== undefined;
}

/** A pending part this person may act on: for its department, or as the supervisor it was escalated to. */
export async function canActOn(db: Db | Tx, p: Principal, part: PartRow): Promise<boolean> {
  if (part.state !== 'pending') return false;
  if (actsFor(p, part.department_id)) return true;
  if (part.escalation_level === 0) return false;
  // every level the case went through keeps its say: the department's supervisors, and the level it sits at now
  return (await supervises(db, p, part.department_id)) || (await actsForOrAbove(db, p, part.escalated_to));
}

async function someAsync<T>(items: readonly T[], test: (item: T) => Promise<boolean>): Promise<boolean> {
  for (const item of items) if (await test(item)) return true;
  return false;
}

/** A part already with the platform administrators: there is no level above. */
export const atTop = (part: PartRow) => part.escalation_level > 0 && part.escalated_to === null;

/**
 * Who hands a pending part up a level: its department while it has not gone up, afterwards only
 * the level that holds it now (or above) — the department cannot push it up the whole chain
 * without any level acting. Nobody, once it is with the platform administrators.
 */
export async function mayEscalate(db: Db | Tx, p: Principal, part: PartRow): Promise<boolean> {
  if (part.state !== 'pending' || atTop(part)) return false;
  return part.escalation_level === 0 ? actsFor(p, part.department_id) : actsForOrAbove(db, p, part.escalated_to);
}

/** The actions this caller may take on the case now, for the case view. */
export async function actionsFor(db: Db | Tx, p: Principal, c: CaseRow, parts: PartRow[]): Promise<CaseAction[]> {
  const out: CaseAction[] = [];
  let provider: boolean | undefined;
  for (const action of allowedActions(c.kind, c.state)) {
    const side = actionRules[action].side;
    if (side === 'requester' && isRequester(p, c)) out.push(action);
    if (side === 'supervisor' && (await actsForOrAbove(db, p, c.disputed_to))) out.push(action);
    if (side === 'provider' && action === 'escalate') {
      if (await someAsync(parts, (part) => mayEscalate(db, p, part))) out.push(action);
    } else if (side === 'provider') {
      provider ??= await someAsync(parts, (part) => canActOn(db, p, part));
      if (provider) out.push(action);
    }
  }
  return out;
}
