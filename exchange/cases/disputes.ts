import { type Expression, sql } from 'kysely';
import type { Db, Tx } from '../db/database.ts';
import type { Dispute } from '../events/event-log.ts';

const disputeList = sql`jsonb_agg(jsonb_build_object('case', c.tracking_no, 'field', d.field) order by d.opened_at)`;

/**
 * SQL for the open objections on a record as `[{case, field}]`, or null: evaluated where events
 * are written and records read, so the flag travels with the record. The partial index holds
 * open disputes only, so for the many records without one this is a probe of a tiny index.
 */
export function openDisputes(datasetId: string, key: Expression<string> | string) {
  return sql<Dispute[] | null>`(select ${disputeList}
      from record_disputes d join cases c on c.id = d.case_id
     where d.dataset_id = ${datasetId}::uuid and d.key = ${key} and d.closed_at is null)`;
}

/**
 * The open objections of a dataset as rows (key, dispute): joined once to a whole batch of
 * records, where openDisputes() would run once per record.
 */
export function openDisputesByKey(datasetId: string) {
  return sql`select d.key, ${disputeList} as dispute
      from record_disputes d join cases c on c.id = d.case_id
     where d.dataset_id = ${datasetId}::uuid and d.closed_at is null
     group by d.key`;
}

export async function disputesOf(db: Db | Tx, datasetId: string, key: string): Promise<Dispute[] | null> {
  const { rows } = await sql<{ dispute: Dispute[] | null }>`select ${openDisputes(datasetId, key)} as dispute`.execute(db);
  return rows[0]?.dispute ?? null;
}
