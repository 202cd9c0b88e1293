import type { ColumnType, Generated } from 'kysely';
import type { Created, Json, Timestamp } from './columns.ts';

/** The working-day calendar, cases with their parts and timeline, disputes and notifications (0004_cases). */

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
