/**
 * Table shapes as kysely sees them, one file per migration area under schema/; migrations/*.sql
 * is the source, keep the two in step.
 */
import type * as identity from './schema/identity.ts';
import type * as audit from './schema/audit.ts';
import type * as catalog from './schema/catalog.ts';
import type * as registries from './schema/registries.ts';
import type * as cases from './schema/cases.ts';
import type * as consuming from './schema/consuming.ts';
export type * from './schema/identity.ts';
export type * from './schema/audit.ts';
export type * from './schema/catalog.ts';
export type * from './schema/registries.ts';
export type * from './schema/cases.ts';
export type * from './schema/consuming.ts';

export interface Database {
  departments: identity.DepartmentsTable;
  nodes: identity.NodesTable;
  systems: identity.SystemsTable;
  users: identity.UsersTable;
  user_roles: identity.UserRolesTable;
  credentials: identity.CredentialsTable;
  login_throttle: identity.LoginThrottleTable;
  audit_heads: audit.AuditHeadsTable;
  audit_admin: audit.AuditAdminTable;
  audit_access: audit.AuditAccessTable;
  audit_access_subjects: audit.AuditAccessSubjectsTable;
  datasets: catalog.DatasetsTable;
  dataset_contracts: catalog.DatasetContractsTable;
  records: catalog.RecordsTable;
  event_heads: catalog.EventHeadsTable;
  event_relay: catalog.EventRelayTable;
  events: catalog.EventsTable;
  batches: catalog.BatchesTable;
  batch_payloads: catalog.BatchPayloadsTable;
  quarantine: catalog.QuarantineTable;
  registry_sources: registries.RegistrySourcesTable;
  contributions: registries.ContributionsTable;
  quality_issues: registries.QualityIssuesTable;
  issuer_keys: registries.IssuerKeysTable;
  grants: registries.GrantsTable;
  calendar_days: cases.CalendarDaysTable;
  calendar_years: cases.CalendarYearsTable;
  approver_absences: cases.ApproverAbsencesTable;
  case_numbers: cases.CaseNumbersTable;
  cases: cases.CasesTable;
  case_parts: cases.CasePartsTable;
  case_departments: cases.CaseDepartmentsTable;
  case_timeline: cases.CaseTimelineTable;
  record_disputes: cases.RecordDisputesTable;
  notifications: cases.NotificationsTable;
  subscriptions: consuming.SubscriptionsTable;
  grant_usage: consuming.GrantUsageTable;
  platform_keys: consuming.PlatformKeysTable;
}
