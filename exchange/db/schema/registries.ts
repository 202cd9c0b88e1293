import type { ColumnType, Generated } from 'kysely';
import type { Created, Json, Timestamp } from './columns.ts';

/** Registry sources and contributions, data quality, issuer keys and grants (0003_registries). */

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
