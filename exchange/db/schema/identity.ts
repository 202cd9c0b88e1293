import type { ColumnType, Generated } from 'kysely';
import type { Created, Json, Timestamp } from './columns.ts';

/** Departments, nodes, systems, people and their credentials (0001_foundation). */

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
  previous_public_key: string | null;
  previous_key_until: Timestamp | null;
  last_heartbeat_at: Timestamp | null;
  heartbeat: Json | null;
  offline_since: Timestamp | null;
}

export interface SystemsTable {
  id: Generated<string>;
  department_id: string;
  name: string;
  description: string | null;
  status: Generated<'active' | 'disabled'>;
  created_at: Created;
  notify_url: string | null;
  notify_secret: string | null;
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
