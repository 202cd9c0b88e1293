import type { Principal } from '../auth/principal.ts';
import { departmentsOf } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Tx } from '../db/database.ts';
import { forbidden, invalid, notFound } from '../errors.ts';
import type { WorkCalendar } from './calendar.ts';
import { actsFor } from './routing.ts';

/** What every case command needs: who acts, when, on which calendar. */
export interface CaseContext {
  readonly actor: Principal;
  readonly requestId: string;
  readonly now: Date;
  readonly calendar: WorkCalendar;
  readonly config: Config;
}

export const brx = { kind: 'platform', name: 'brx' } as const;

/**
 * The consuming system a case is filed for, and who files it: the system itself, or an approver
 * or head of the system's department naming it.
 */
export async function requesterOf(trx: Tx, p: Principal, systemId: string | undefined) {
  if (p.kind === 'system') {
    if (systemId && systemId !== p.systemId) throw forbidden('A system files cases for itself only');
    return { systemId: p.systemId, departmentId: p.departmentId, userId: null };
  }
  if (!systemId) throw invalid('Name the consuming system the case is for', [{ pointer: '/system', message: 'is required' }]);
  const system = await trx.selectFrom('systems').select(['id', 'department_id', 'status']).where('id', '=', systemId).executeTakeFirst();
  if (!system) throw notFound(`No system ${systemId}`);
  if (p.kind !== 'user' || !actsFor(p, system.department_id)) {
    throw forbidden("Only the system itself, or an approver or head of the system's department, files cases for it");
  }
  if (system.status !== 'active') throw forbidden('The system is disabled');
  return { systemId: system.id, departmentId: system.department_id, userId: p.userId };
}

/** The requester side of a case: its system, or people of its department. */
export function isRequester(p: Principal, c: { requester_system_id: string; requester_department_id: string }): boolean {
  if (p.kind === 'system') return p.systemId === c.requester_system_id;
  return p.kind === 'user' && departmentsOf(p).includes(c.requester_department_id);
}
