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
  previous_public_key: string | null;
  previous_key_until: Timestamp | null;
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

export type SharingType = 'unconditional' | 'conditional' | 'none';
export type DatasetStatus = 'draft' | 'published' | 'retired';

export interface DatasetsTable {
  id: Generated<string>;
  code: string;
  name: string;
  summary: Generated<string>;
  provider_department_id: string;
  class: 'base' | 'thematic' | 'department';
  sharing_type: SharingType;
  sharing_conditions: Generated<string>;
  legal_basis: Generated<string>;
  open_type: 'open' | 'conditional' | 'closed';
  exchange_modes: string[];
  update_cycle: 'realtime' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  key_field: string;
  request_deadline_days: Generated<number>;
  primary_contact_id: string | null;
  backup_contact_id: string | null;
  tags: Generated<string[]>;
  status: Generated<DatasetStatus>;
  current_version: string | null;
  created_at: Created;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  published_at: Timestamp | null;
  retired_at: Timestamp | null;
  registry: 'population' | 'legal-person' | 'certificate' | null;
  merge_rules: ColumnType<Record<string, string[]>, string | undefined, string>;
}

export interface DatasetContractsTable {
  dataset_id: string;
  version: string;
  major: number;
  minor: number;
  schema: Json;
  fields: Json;
  created_at: Created;
  created_by: string | null;
}

export interface RecordsTable {
  dataset_id: string;
  key: string;
  data: Json | null;
  deleted: boolean;
  contract_version: string;
  node_id: string | null;
  user_id: string | null;
  batch_id: string;
  source_time: Timestamp;
  received_at: Created;
  content_hash: string;
  last_offset: number;
  provenance: Json | null;
}

export interface EventHeadsTable {
  dataset_id: string;
  last_offset: number;
}

export interface EventsTable {
  dataset_id: string;
  offset: number;
  key: string;
  op: 'upsert' | 'delete';
  data: Json | null;
  contract_version: string;
  source_time: Timestamp;
  committed_at: Created;
  batch_id: string;
  dispute: Json | null;
}

export interface BatchesTable {
  id: Generated<string>;
  dataset_id: string;
  batch_id: string;
  node_id: string | null;
  user_id: string | null;
  received_at: Created;
  record_count: number;
  accepted: number;
  unchanged: number;
  stale: number;
  rejected: number;
  first_offset: number | null;
  last_offset: number | null;
  body_sha256: string | null;
  signature: string | null;
  signing_key: string | null;
  result: Json;
}

export interface BatchPayloadsTable {
  batch_row_id: string;
  body_gzip: Buffer;
}

export interface QuarantineTable {
  id: Generated<string>;
  dataset_id: string;
  batch_id: string;
  node_id: string | null;
  record_index: number;
  key: string | null;
  op: string | null;
  record: Json;
  errors: Json;
  status: Generated<'open' | 'resolved' | 'discarded'>;
  created_at: Created;
  resolved_at: Timestamp | null;
  resolution: string | null;
}

export interface RegistrySourcesTable {
  dataset_id: string;
  department_id: string;
  fields: string[];
  created_at: Created;
}

export interface ContributionsTable {
  dataset_id: string;
  key: string;
  department_id: string;
  data: Json | null;
  source_time: Timestamp;
  batch_id: string;
  node_id: string | null;
  received_at: Created;
}

export interface QualityIssuesTable {
  id: Generated<string>;
  dataset_id: string;
  key: string;
  kind: 'conflict' | 'dangling-link';
  field: string;
  detail: Json;
  status: Generated<'open' | 'resolved'>;
  created_at: Created;
  resolved_at: Timestamp | null;
}

export interface IssuerKeysTable {
  department_id: string;
  public_key: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface GrantsTable {
  id: Generated<string>;
  system_id: string;
  dataset_id: string;
  fields: string[];
  masked_fields: Generated<string[]>;
  row_filter: Json | null;
  modes: string[];
  purpose: string;
  valid_from: ColumnType<Date, Date | string, Date | string>;
  valid_until: Timestamp | null;
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
  requests_per_minute: number | null;
  records_per_day: number | null;
  covert_until: Timestamp | null;
  created_at: Created;
  case_id: string | null;
  legal_basis: Generated<string>;
  superseded_by: string | null;
  revoked_by: string | null;
  expiry_notified: Generated<boolean>;
}

export interface CalendarDaysTable {
  day: string;
  kind: 'holiday' | 'workday';
  name: string;
}

export interface CalendarYearsTable {
  year: number;
  confirmed: boolean;
  source: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ApproverAbsencesTable {
  id: Generated<string>;
  user_id: string;
  from_day: string;
  until_day: string;
  reason: string;
  created_at: Created;
}

export interface CaseNumbersTable {
  prefix: string;
  day: string;
  last: number;
}

export interface CasesTable {
  id: Generated<string>;
  tracking_no: string;
  kind: 'request' | 'objection';
  state: string;
  requester_system_id: string;
  requester_department_id: string;
  requester_user_id: string | null;
  requester_contact: string | null;
  purpose: string;
  legal_basis: string;
  modes: string[];
  row_filter: Json | null;
  duration_days: number | null;
  detail: Json;
  received_on: string;
  due_on: string;
  paused_at: Timestamp | null;
  pause_remaining: number | null;
  extended_days: number | null;
  supplement_items: Generated<string[]>;
  decided_state: string | null;
  disputed_to: string | null;
  near_notified: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface CasePartsTable {
  id: Generated<string>;
  case_id: string;
  dataset_id: string;
  fields: string[];
  department_id: string;
  assignee_id: string | null;
  acting_for_id: string | null;
  state: Generated<'pending' | 'approved' | 'partially_approved' | 'rejected' | 'corrected' | 'withdrawn'>;
  auto_fields: Generated<string[]>;
  refused_fields: Generated<string[]>;
  escalated_to: string | null;
  escalation_level: Generated<number>;
  last_action_at: Timestamp;
  decision: Json | null;
  grant_id: string | null;
  decided_at: Timestamp | null;
  working_days_taken: number | null;
  on_time: boolean | null;
}

export interface CaseDepartmentsTable {
  case_id: string;
  department_id: string;
}

export interface CaseTimelineTable {
  id: Generated<number>;
  case_id: string;
  at: Date | string;
  action: string;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  department_id: string | null;
  acting_for_id: string | null;
  dataset_id: string | null;
  from_state: string | null;
  to_state: string | null;
  note: Generated<string>;
  attachments: Json;
  detail: Json;
}

export interface RecordDisputesTable {
  case_id: string;
  dataset_id: string;
  key: string;
  field: string;
  opened_at: Timestamp;
  opened_offset: number;
  closed_at: Timestamp | null;
}

export interface NotificationsTable {
  id: Generated<number>;
  user_id: string | null;
  system_id: string | null;
  case_id: string | null;
  grant_id: string | null;
  kind: string;
  title: string;
  detail: Json;
  dedupe: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
  delivery: Generated<'none' | 'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_error: string | null;
}

export interface SubscriptionsTable {
  id: Generated<string>;
  system_id: string;
  dataset_id: string;
  grant_id: string;
  delivery: 'pull' | 'webhook';
  url: string | null;
  secret: string | null;
  start: 'now' | 'beginning' | 'offset';
  cursor: number;
  snapshot_head: number | null;
  snapshot_after: string | null;
  status: Generated<'active' | 'failing' | 'cancelled'>;
  failing_since: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_error: string | null;
  last_delivery_at: Timestamp | null;
  delivered: Generated<number>;
  lease_until: Timestamp | null;
  created_at: Created;
  origin: number;
  charged_offset: Generated<number>;
  charged_key: string | null;
}

export interface GrantUsageTable {
  grant_id: string;
  day: string;
  records: number;
}

export interface PlatformKeysTable {
  name: string;
  secret: Buffer;
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
  datasets: DatasetsTable;
  dataset_contracts: DatasetContractsTable;
  records: RecordsTable;
  event_heads: EventHeadsTable;
  events: EventsTable;
  batches: BatchesTable;
  batch_payloads: BatchPayloadsTable;
  quarantine: QuarantineTable;
  registry_sources: RegistrySourcesTable;
  contributions: ContributionsTable;
  quality_issues: QualityIssuesTable;
  issuer_keys: IssuerKeysTable;
  grants: GrantsTable;
  calendar_days: CalendarDaysTable;
  calendar_years: CalendarYearsTable;
  approver_absences: ApproverAbsencesTable;
  case_numbers: CaseNumbersTable;
  cases: CasesTable;
  case_parts: CasePartsTable;
  case_departments: CaseDepartmentsTable;
  case_timeline: CaseTimelineTable;
  record_disputes: RecordDisputesTable;
  notifications: NotificationsTable;
  subscriptions: SubscriptionsTable;
  grant_usage: GrantUsageTable;
  platform_keys: PlatformKeysTable;
}
