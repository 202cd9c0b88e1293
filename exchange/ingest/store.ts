import { sql } from 'kysely';
import type { BatchResult } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import type { CheckedRecord, RejectedRecord } from './records.ts';

export interface StoredRecordState {
  source_time: Date;
  content_hash: string;
  deleted: boolean;
}

/**
 * Claims a batch id for this dataset. A second copy racing this one waits on the unique index
 * until the first commits, then finds the id taken: null means "seen before".
 */
export async function claimBatch(
  trx: Tx,
  b: { datasetId: string; batchId: string; nodeId: string | null; userId: string | null; count: number; bodySha256: string | null; signature: string | null; signingKey: string | null },
): Promise<string | null> {
  const row = await trx
    .insertInto('batches')
    .values({
      dataset_id: b.datasetId,
      batch_id: b.batchId,
      node_id: b.nodeId,
      user_id: b.userId,
      record_count: b.count,
      accepted: 0,
      unchanged: 0,
      stale: 0,
      rejected: 0,
      body_sha256: b.bodySha256,
      signature: b.signature,
      signing_key: b.signingKey,
      result: '{}',
    })
    .onConflict((oc) => oc.columns(['dataset_id', 'batch_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function findBatch(db: Db | Tx, datasetId: string, batchId: string) {
  return db.selectFrom('batches').selectAll().where('dataset_id', '=', datasetId).where('batch_id', '=', batchId).executeTakeFirst();
}

export async function storePayload(trx: Tx, batchRowId: string, gzip: Buffer): Promise<void> {
  await trx.insertInto('batch_payloads').values({ batch_row_id: batchRowId, body_gzip: gzip }).execute();
}

export async function quarantineRecords(
  trx: Tx,
  q: { datasetId: string; batchId: string; nodeId: string | null },
  rejected: readonly RejectedRecord[],
): Promise<string[]> {
  if (rejected.length === 0) return [];
  const rows = await trx
    .insertInto('quarantine')
    .values(
      rejected.map((r) => {
        const raw = r.record as { op?: unknown } | null;
        return {
          dataset_id: q.datasetId,
          batch_id: q.batchId,
          node_id: q.nodeId,
          record_index: r.index,
          key: r.key,
          op: raw && typeof raw === 'object' && typeof raw.op === 'string' ? raw.op.slice(0, 20) : null,
          record: JSON.stringify(r.record ?? null),
          errors: JSON.stringify(r.errors),
        };
      }),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** What is stored for these keys now (the dataset's event head is locked, so it cannot change). */
export async function storedStates(trx: Tx, datasetId: string, keys: readonly string[]): Promise<Map<string, StoredRecordState>> {
  if (keys.length === 0) return new Map();
  const rows = await trx
    .selectFrom('records')
    .select(['key', 'source_time', 'content_hash', 'deleted'])
    .where('dataset_id', '=', datasetId)
    .where('key', '=', sql<string>`any(${[...keys]}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.key, r]));
}

/** Writes the current state of each changed record, in one statement. */
export async function upsertRecords(
  trx: Tx,
  w: { datasetId: string; contractVersion: string; nodeId: string | null; userId: string | null; batchId: string },
  records: readonly (CheckedRecord & { offset: number })[],
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    key: r.key,
    data: r.data,
    deleted: r.op === 'delete',
    source_time: r.sourceTime.toISOString(),
    content_hash: r.contentHash,
    last_offset: r.offset,
  }));
  await sql`
    insert into records as t (dataset_id, key, data, deleted, contract_version, node_id, user_id, batch_id,
                              source_time, received_at, content_hash, last_offset)
    select ${w.datasetId}::uuid, r.key, r.data, r.deleted, ${w.contractVersion}, ${w.nodeId}::uuid, ${w.userId}::uuid,
           ${w.batchId}, r.source_time, now(), r.content_hash, r.last_offset
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(key text, data jsonb, deleted boolean, source_time timestamptz, content_hash text, last_offset bigint)
    on conflict (dataset_id, key) do update set
      data = excluded.data, deleted = excluded.deleted, contract_version = excluded.contract_version,
      node_id = excluded.node_id, user_id = excluded.user_id, batch_id = excluded.batch_id,
      source_time = excluded.source_time, received_at = excluded.received_at,
      content_hash = excluded.content_hash, last_offset = excluded.last_offset`.execute(trx);
}

/** A later good record for a quarantined key settles the quarantined one. */
export async function resolveQuarantinedKeys(trx: Tx, datasetId: string, keys: readonly string[], batchId: string): Promise<void> {
  if (keys.length === 0) return;
  await trx
    .updateTable('quarantine')
    .set({ status: 'resolved', resolved_at: new Date(), resolution: `superseded by batch ${batchId}` })
    .where('dataset_id', '=', datasetId)
    .where('status', '=', 'open')
    .where('key', '=', sql<string>`any(${[...keys]}::text[])`)
    .execute();
}

export async function finishBatch(trx: Tx, batchRowId: string, result: BatchResult): Promise<void> {
  await trx
    .updateTable('batches')
    .set({
      accepted: result.accepted,
      unchanged: result.unchanged,
      stale: result.stale.length,
      rejected: result.rejected.length,
      first_offset: result.firstOffset,
      last_offset: result.lastOffset,
      result: JSON.stringify(result),
    })
    .where('id', '=', batchRowId)
    .execute();
}
