import { sql } from 'kysely';
import type { BatchSummary, QuarantineItem } from '../../contracts/generated/api.ts';
import type { Db } from '../db/database.ts';
import type { PointedError } from '../ajv-errors.ts';

type BatchRow = Awaited<ReturnType<typeof listBatches>>[number];
type QuarantineRow = Awaited<ReturnType<typeof listQuarantine>>[number];

/**
 * Pages continue from a row (the cursor holds its id), compared on the full sort key in the
 * database: timestamps keep their microseconds, and rows sharing a time are neither skipped nor repeated.
 */
export async function listBatches(db: Db, datasetId: string, limit: number, afterRowId?: string) {
  let q = db
    .selectFrom('batches')
    .select(['id', 'batch_id', 'node_id', 'user_id', 'received_at', 'record_count', 'accepted', 'unchanged', 'stale', 'rejected', 'first_offset', 'last_offset', 'body_sha256', 'signature'])
    .where('dataset_id', '=', datasetId);
  if (afterRowId) {
    q = q.where(sql<boolean>`(received_at, id) < (select b.received_at, b.id from batches b where b.id = ${afterRowId}::uuid and b.dataset_id = ${datasetId}::uuid)`);
  }
  return q.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export function presentBatch(b: BatchRow): BatchSummary {
  return {
    batchId: b.batch_id,
    nodeId: b.node_id,
    userId: b.user_id,
    receivedAt: b.received_at.toISOString(),
    records: b.record_count,
    accepted: b.accepted,
    unchanged: b.unchanged,
    stale: b.stale,
    rejected: b.rejected,
    firstOffset: b.first_offset,
    lastOffset: b.last_offset,
    bodySha256: b.body_sha256,
    signature: b.signature,
  };
}

export async function listQuarantine(db: Db, datasetId: string, q: { status?: string; key?: string; afterId?: string; limit: number }) {
  let query = db
    .selectFrom('quarantine')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('status', '=', (q.status ?? 'open') as 'open');
  if (q.key) query = query.where('key', '=', q.key);
  if (q.afterId) {
    query = query.where(
      sql<boolean>`(created_at, record_index, id) > (select x.created_at, x.record_index, x.id from quarantine x where x.id = ${q.afterId}::uuid and x.dataset_id = ${datasetId}::uuid)`,
    );
  }
  return query.orderBy('created_at').orderBy('record_index').orderBy('id').limit(q.limit).execute();
}

export function presentQuarantine(r: QuarantineRow): QuarantineItem {
  return {
    id: r.id,
    batchId: r.batch_id,
    nodeId: r.node_id,
    index: r.record_index,
    key: r.key,
    op: r.op,
    record: r.record as QuarantineItem['record'],
    errors: r.errors as PointedError[],
    status: r.status,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolution: r.resolution,
  };
}
