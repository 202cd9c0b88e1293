import type { Principal } from '../auth/principal.ts';

/** What a caller records of an administrative action; sequence, time and hashes come later. */
export interface AdminEntry {
  readonly actor: Principal | { kind: 'platform'; name: string };
  readonly action: string;
  readonly departmentId?: string | null;
  readonly targetKind?: string;
  readonly targetId?: string;
  /** What changed, never a secret or personal data in clear. */
  readonly detail?: Record<string, unknown>;
  readonly requestId?: string;
}

/** One audited read or delivery of shared data. */
export interface AccessEntry {
  readonly actor: Principal;
  readonly mode: 'pull' | 'export' | 'subscribe' | 'webhook' | 'verify' | 'report' | 'quality';
  /** sent: a webhook batch handed to the network, before its answer (a later 'error' entry with the same query.delivery says how it failed) */
  readonly outcome: 'ok' | 'sent' | 'denied' | 'not_found' | 'error';
  readonly dataset?: string | null;
  readonly grantId?: string | null;
  readonly purpose?: string | null;
  readonly operator?: string | null;
  readonly subjectKeys?: readonly string[];
  readonly fields?: readonly string[];
  readonly query?: Record<string, unknown> | null;
  readonly recordCount?: number;
  readonly discloseAfter?: Date | null;
  readonly requestId?: string;
}

export function actorColumns(actor: AdminEntry['actor']): {
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
} {
  switch (actor.kind) {
    case 'platform':
      return { actor_kind: 'platform', actor_id: null, actor_name: actor.name };
    case 'user':
      return { actor_kind: 'user', actor_id: actor.userId, actor_name: actor.username };
    case 'node':
      return { actor_kind: 'node', actor_id: actor.nodeId, actor_name: actor.name };
    case 'system':
      return { actor_kind: 'system', actor_id: actor.systemId, actor_name: actor.via ? `${actor.name} (via node ${actor.via.name})` : actor.name };
    case 'subject':
      return { actor_kind: 'subject', actor_id: null, actor_name: null };
  }
}
