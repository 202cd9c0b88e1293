import type { ColumnType, Generated } from 'kysely';
import type { Created, Json, Timestamp } from './columns.ts';

/** The catalog, contracts, records, the event log and published batches (0002_catalog). */

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

export interface EventRelayTable {
  dataset_id: string;
  topic: string;
  relayed_offset: number;
  kafka_base: number;
  updated_at: Generated<Date>;
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
