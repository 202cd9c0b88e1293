
import type { Json, Timestamp } from './columns.ts';

/** The two hash-chained audit logs and their heads (0001_foundation). */

export type AuditLog = 'admin' | 'access';

export interface AuditHeadsTable {
  log: AuditLog;
  seq: number;
  hash: string;
}

export interface AuditAdminTable {
  seq: number;
  at: Timestamp;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  department_id: string | null;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  detail: Json;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  /** which field list the hash covers (0011; exchange/audit/chain.ts) */
  hash_version: number;
}

export interface AuditAccessTable {
  seq: number;
  at: Timestamp;
  actor_kind: string;
  actor_id: string | null;
  department_id: string | null;
  system_id: string | null;
  operator: string | null;
  grant_id: string | null;
  purpose: string | null;
  dataset: string | null;
  mode: string | null;
  subject_keys: string[];
  fields: string[];
  query: Json | null;
  record_count: number;
  outcome: string;
  disclose_after: Timestamp | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  /** which field list the hash covers (0011; exchange/audit/chain.ts) */
  hash_version: number;
}

/** The subject keys of each access entry, the index of "who read this subject's records" (0015). */
export interface AuditAccessSubjectsTable {
  subject_key: string;
  seq: number;
}
