import type { Generated } from 'kysely';
import type { Created, Timestamp } from './columns.ts';

/** Subscriptions, daily grant usage and platform keys (0005_consuming and later). */

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
