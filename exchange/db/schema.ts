import type { ColumnType, Generated } from 'kysely';

/** Table shapes as kysely sees them; migrations/*.sql is the source, keep the two in step. */
type Created = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface DepartmentsTable {
  id: Generated<string>;
  code: string;
  name: string;
  parent_id: string | null;
  level: 'province' | 'city' | 'county';
  region_code: string | null;
  status: Generated<'active' | 'suspended'>;
  created_at: Created;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface NodesTable {
  id: Generated<string>;
  department_id: string;
  name: string;
  public_key: string;
  status: Generated<'active' | 'disabled'>;
  created_at: Created;
}

export interface SystemsTable {
  id: Generated<string>;
  department_id: string;
  name: string;
  description: string | null;
  status: Generated<'active' | 'disabled'>;
  created_at: Created;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  password_hash: string;
  status: Generated<'active' | 'disabled'>;
  created_at: Created;
  password_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type Role = 'platform_admin' | 'dept_admin' | 'approver' | 'auditor';

export interface UserRolesTable {
  user_id: string;
  role: Role;
  department_id: string | null;
}

export type CredentialKind = 'session' | 'node' | 'system' | 'subject';

export interface CredentialsTable {
  id: Generated<string>;
  token_hash: Buffer;
  kind: CredentialKind;
  user_id: string | null;
  node_id: string | null;
  system_id: string | null;
  subject_id: string | null;
  created_at: Created;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: Timestamp | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

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
}

export interface Database {
  departments: DepartmentsTable;
  nodes: NodesTable;
  systems: SystemsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  credentials: CredentialsTable;
  login_throttle: LoginThrottleTable;
  audit_heads: AuditHeadsTable;
  audit_admin: AuditAdminTable;
  audit_access: AuditAccessTable;
}
