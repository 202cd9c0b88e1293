import type { CaseActionRequest } from '../../contracts/generated/api.ts';
import { conflict } from '../errors.ts';

/**
 * The life of a case. A request: submitted → (needs_supplement ↔ submitted) → under_review →
 * approved | partially_approved | rejected, with withdrawn, transferred, escalated (by the scheduler
 * when idle, or by the department handing the case up) and disputed on the side. An objection ends corrected or rejected instead. Every action names the states it
 * may start from; anything else is refused with the actions that are allowed.
 */
export type CaseKind = 'request' | 'objection';

export const openStates = ['submitted', 'needs_supplement', 'under_review', 'transferred', 'escalated'] as const;
export const decidedStates = ['approved', 'partially_approved', 'rejected', 'corrected'] as const;
export const caseStates = [...openStates, ...decidedStates, 'withdrawn', 'disputed'] as const;
export type CaseState = (typeof caseStates)[number];

/** The actions, as the API contract lists them (CaseActionRequest.action). */
export type CaseAction = CaseActionRequest['action'];

/** Who takes an action: the requester, the department that must act (or its supervisor), or a supervisor. */
export type Side = 'requester' | 'provider' | 'supervisor';

interface ActionRule {
  readonly side: Side;
  readonly from: readonly CaseState[];
  readonly kinds: readonly CaseKind[];
}

const workable: CaseState[] = ['submitted', 'under_review', 'transferred', 'escalated'];

export const actionRules: Record<CaseAction, ActionRule> = {
  accept: { side: 'provider', from: ['submitted', 'transferred', 'escalated'], kinds: ['request', 'objection'] },
  request_supplement: { side: 'provider', from: workable, kinds: ['request', 'objection'] },
  supplement: { side: 'requester', from: ['needs_supplement'], kinds: ['request', 'objection'] },
  extend: { side: 'provider', from: workable, kinds: ['request', 'objection'] },
  transfer: { side: 'provider', from: workable, kinds: ['request', 'objection'] },
  escalate: { side: 'provider', from: workable, kinds: ['request', 'objection'] },
  decide: { side: 'provider', from: ['under_review', 'escalated'], kinds: ['request'] },
  correct: { side: 'provider', from: ['under_review', 'escalated'], kinds: ['objection'] },
  reject: { side: 'provider', from: ['under_review', 'escalated'], kinds: ['objection'] },
  withdraw: { side: 'requester', from: [...openStates], kinds: ['request', 'objection'] },
  dispute: { side: 'requester', from: ['partially_approved', 'rejected'], kinds: ['request', 'objection'] },
  rule: { side: 'supervisor', from: ['disputed'], kinds: ['request', 'objection'] },
};

export function allowedActions(kind: CaseKind, state: string): CaseAction[] {
  return (Object.keys(actionRules) as CaseAction[]).filter((a) => {
    const rule = actionRules[a];
    return rule.kinds.includes(kind) && rule.from.includes(state as CaseState);
  });
}

/** Refuses an action the case's kind and state do not allow, listing those that are. */
export function checkTransition(kind: CaseKind, state: string, action: CaseAction): void {
  const allowed = allowedActions(kind, state);
  if (allowed.includes(action)) return;
  throw conflict(
    `A ${kind} in state ${state} cannot take the action ${action}; allowed: ${allowed.length ? allowed.join(', ') : 'none (the case is closed)'}`,
    [{ pointer: '/action', message: `allowed in state ${state}: ${allowed.join(', ') || 'none'}` }],
  );
}

export function isOpen(state: string): boolean {
  return (openStates as readonly string[]).includes(state);
}
