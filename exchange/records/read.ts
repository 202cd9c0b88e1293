import { sql } from 'kysely';
import type { RecordItem } from '../../contracts/generated/api.ts';
import { disputesOf, openDisputes } from '../cases/disputes.ts';
import type { Db } from '../db/database.ts';
import type { Dispute, EventLog } from '../events/event-log.ts';
import { grantStatement, readWithGrants } from '../policy/grant-cache.ts';
import { rowFilterSql } from '../policy/row-filter.ts';
import type { ReadAccess } from '../policy/read-policy.ts';

export interface RecordVersion {
  key: string;
  data: Record<string, unknown> | null;
  deleted: boolean;
  contract_version: string;
  offset: number;
  source_time: Date;
  /** keyed reads only: bulk pages do not read it */
  provenance?: unknown;
  dispute: Dispute[] | null;
}

const versionColumns = `r.key, r.data, r.deleted, r.contract_version, r.last_offset as "offset", r.source_time, r.provenance`;

// Whether the record has an open objection, and only then which: the look-up of the objections
// (with their cases) planned into every keyed read cost more than the probe.
const recordOfKey = grantStatement(
  'brx_grants_and_record',
  `${versionColumns}, exists (select from record_disputes d where d.dataset_id = r.dataset_id and d.key = r.key and d.closed_at is null) as disputed`,
  'left join records r on r.dataset_id = $1 and r.key = $2',
);

/**
 * The keyed pull's hot path in one round trip (a prepared statement): the calling system's grants
 * of the dataset (from memory unless they changed) and the current version of the record; its
 * open objections in a second only when it has any.
 */
export async function grantsAndRecord(db: Db, systemId: string, datasetId: string, key: string) {
  const { grants, row } = await readWithGrants<(Omit<RecordVersion, 'dispute'> & { disputed: boolean }) | { key: null }>(db, recordOfKey, systemId, datasetId, [key]);
  if (row.key === null) return { grants, version: null };
  const { disputed, ...version } = row as Omit<RecordVersion, 'dispute'> & { disputed: boolean };
  return { grants, version: { ...version, dispute: disputed ? await disputesOf(db, datasetId, key) : null } as RecordVersion };
}

export async function currentVersion(db: Db, datasetId: string, key: string): Promise<RecordVersion | undefined> {
  const { rows } = await sql<RecordVersion>`
    select ${sql.raw(versionColumns)}, ${openDisputes(datasetId, sql.ref('r.key'))} as dispute
      from records r where r.dataset_id = ${datasetId}::uuid and r.key = ${key}`.execute(db);
  return rows[0];
}

/** The version that was current at `asOf`: the last event of the key committed by then. */
export async function versionAsOf(events: EventLog, datasetId: string, key: string, asOf: Date): Promise<RecordVersion | undefined> {
  const e = await events.lastAsOf(datasetId, key, asOf);
  return (
    e && {
      key: e.key,
      data: e.data as Record<string, unknown> | null,
      deleted: e.op === 'delete',
      contract_version: e.contractVersion,
      offset: e.offset,
      source_time: e.sourceTime,
      provenance: null,
      dispute: e.dispute ?? null,
    }
  );
}

/**
 * Live records in key order after `after`, within the grant's rows and matching every
 * `equals` field (served by the dataset's search indexes): one page of a search, an export or a
 * subscription's snapshot (which takes records last changed at or before its offset only).
 */
export async function recordPage(
  db: Db,
  access: ReadAccess,
  options: { equals?: Record<string, string>; after?: string; limit: number; atMostOffset?: number },
): Promise<RecordVersion[]> {
  const datasetId = access.dataset.id;
  let query = db
    .selectFrom('records')
    .select(['key', 'data', 'deleted', 'contract_version', 'last_offset as offset', 'source_time', openDisputes(datasetId, sql.ref('records.key')).as('dispute')])
    .where('dataset_id', '=', datasetId)
    .where('deleted', '=', false)
    .where(rowFilterSql(access.rowFilter));
  for (const [field, value] of Object.entries(options.equals ?? {})) query = query.where(sql<string>`data->>${sql.lit(field)}`, '=', value);
  if (options.after !== undefined) query = query.where('key', '>', options.after);
  if (options.atMostOffset !== undefined) query = query.where('last_offset', '<=', options.atMostOffset);
  return (await query.orderBy('key').limit(options.limit).execute()) as RecordVersion[];
}

/** A record as the caller's grant shows it. */
export function recordItem(access: ReadAccess, v: RecordVersion): RecordItem {
  const key = access.shownKey(v.key);
  return {
    ...(key === undefined ? {} : { key }),
    data: access.view(v.data),
    contractVersion: v.contract_version,
    offset: v.offset,
    sourceTime: v.source_time.toISOString(),
    dispute: access.disputes(v.dispute),
  };
}
