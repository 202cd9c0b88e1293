import { sql } from 'kysely';
import type { BatchResult } from '../../contracts/generated/api.ts';
import type pg from 'pg';
import { openDisputesByKey } from '../cases/disputes.ts';
import type { Db, Tx } from '../db/database.ts';
import type { Reservation } from '../events/event-log.ts';
import { storable, visible } from '../http/edge.ts';
import type { CheckedRecord, RejectedRecord } from './records.ts';
import { stageRecords, stageTable } from './stage.ts';

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

/** Why a quarantined copy differs from what was sent: said with the record's errors. */
const keptSafelyNote = {
  pointer: '/',
  message: 'kept here with unstorable characters spelled as \\u escapes (a NUL as \\u0000), non-finite numbers as null and levels deeper than 64 replaced by a note',
};

/**
 * Keeps rejected records for correction. A key that already has an open item (sent again and
 * still bad, or resubmitted by a person and still bad) updates that item — one open item per
 * key — instead of opening a second; in a registry only the item of the same sending department.
 * The caller holds the dataset's event head, so two batches cannot both open an item for a key.
 */
export async function quarantineRecords(
  trx: Tx,
  q: { datasetId: string; batchId: string; nodeId: string | null; registryDepartmentId?: string | undefined; resolvesId?: string | undefined },
  rejected: readonly RejectedRecord[],
): Promise<string[]> {
  if (rejected.length === 0) return [];
  const rows = rejected.map((r) => {
    const raw = r.record as { op?: unknown } | null;
    return {
      key: r.key,
      batch_id: q.batchId,
      node_id: q.nodeId,
      record_index: r.index,
      op: raw && typeof raw === 'object' && typeof raw.op === 'string' ? visible(raw.op.slice(0, 20)) : null,
      record: JSON.stringify(r.unstorable ? storable(r.record) : (r.record ?? null)),
      errors: JSON.stringify(r.unstorable ? [...r.errors, keptSafelyNote] : r.errors),
    };
  });
  const keys = [...new Set(rows.flatMap((r) => (r.key === null ? [] : [r.key])))];
  const openByKey = new Map<string, string>();
  if (keys.length > 0) {
    let open = trx
      .selectFrom('quarantine')
      .select(['id', 'key'])
      .where('dataset_id', '=', q.datasetId)
      .where('status', '=', 'open')
      .where('key', '=', sql<string>`any(${keys}::text[])`);
    if (q.registryDepartmentId) {
      const department = q.registryDepartmentId;
      open = open.where((eb) => eb('node_id', 'in', eb.selectFrom('nodes').select('id').where('department_id', '=', department)));
    }
    for (const item of await open.orderBy('created_at').execute()) openByKey.set(item.key!, item.id);
  }
  // each row's item: an open one of its key, else a new one (one per key, the batch's last record of it)
  const target = rows.map((row, i) => (i === 0 && q.resolvesId) || (row.key !== null ? openByKey.get(row.key) : undefined) || null);
  const lastOfKey = new Map<string, number>();
  rows.forEach((row, i) => {
    if (row.key !== null) lastOfKey.set(row.key, i);
  });
  const updates = new Map<string, (typeof rows)[number]>();
  const fresh: number[] = [];
  rows.forEach((row, i) => {
    const id = target[i];
    if (id) updates.set(id, row);
    else if (row.key === null || lastOfKey.get(row.key) === i) fresh.push(i);
  });
  if (updates.size > 0) {
    const changes = [...updates].map(([id, r]) => ({ id, ...r, record: JSON.parse(r.record), errors: JSON.parse(r.errors) }));
    await sql`
      update quarantine t set batch_id = x.batch_id, record_index = x.record_index, op = x.op, record = x.record,
             errors = x.errors, node_id = coalesce(x.node_id, t.node_id)
        from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
          as x(id uuid, batch_id text, record_index integer, op text, record jsonb, errors jsonb, node_id uuid)
       where t.id = x.id`.execute(trx);
  }
  if (fresh.length > 0) {
    const inserted = await trx
      .insertInto('quarantine')
      .values(fresh.map((i) => ({ dataset_id: q.datasetId, ...rows[i]! })))
      .returning('id')
      .execute();
    fresh.forEach((i, n) => {
      target[i] = inserted[n]!.id;
      const key = rows[i]!.key;
      if (key !== null) openByKey.set(key, inserted[n]!.id);
    });
  }
  // an earlier record of a key that a later one of this batch opened points at that item
  return rows.map((row, i) => target[i] ?? openByKey.get(row.key!)!);
}

export interface NotApplied {
  idx: number;
  key: string;
  verdict: 'stale' | 'unchanged';
  stored_time: Date;
}

/**
 * Compares the staged records (see stage.ts) with what is stored and applies the changes, in one
 * statement: a record older than the stored one is stale, an identical one unchanged; every other
 * one is inserted (a new key) or updated and gets the next offset of the reservation (in batch
 * order) and its event, appended through the event log. The caller holds the reservation (the
 * dataset's event head), so nothing else writes these keys meanwhile. Only the records not
 * applied come back, with the count applied; the caller publishes them.
 */
export async function applyStaged(
  trx: Tx,
  w: {
    datasetId: string;
    reservation: Reservation;
    contractVersion: string;
    nodeId: string | null;
    userId: string | null;
    batchId: string;
    /** golden records of a registry are not judged by source time: their contributions were */
    staleCheck?: boolean;
  },
): Promise<{ applied: number; notApplied: NotApplied[] }> {
  const { rows: result } = await sql<NotApplied & { applied: number | null }>`
    with judged as (
      -- "limit 1" keeps the look-up a probe of the primary key per staged record: the staged table
      -- has no statistics, and as a plain join the planner may choose to scan all of records
      select i.idx, i.key, i.deleted, i.source_time, i.content_hash, i.data, i.provenance, r.source_time as stored_time,
             case when r.source_time is null then 'apply'
                  when ${w.staleCheck !== false} and r.source_time > i.source_time then 'stale'
                  when r.content_hash = i.content_hash and r.deleted = i.deleted then 'unchanged'
                  else 'apply' end as verdict,
             r.provenance as stored_provenance
        from ${sql.table(stageTable)} i
        left join lateral (select source_time, content_hash, deleted, provenance from records
                            where dataset_id = ${w.datasetId}::uuid and key = i.key limit 1) r on true
    ), numbered as (
      select j.*, ${w.reservation.last}::bigint + row_number() over (order by j.idx) as "offset"
        from judged j where j.verdict = 'apply'
    ), inserted as (
      -- new keys: a plain insert (no speculative insertion to log), safe because records of the
      -- dataset are written only under its head, which the caller holds
      insert into records (dataset_id, key, data, deleted, contract_version, node_id, user_id, batch_id,
                           source_time, received_at, content_hash, last_offset, provenance)
      select ${w.datasetId}::uuid, n.key, n.data, n.deleted, ${w.contractVersion}, ${w.nodeId}::uuid, ${w.userId}::uuid,
             ${w.batchId}, n.source_time, now(), n.content_hash, n."offset", n.provenance
        from numbered n where n.stored_time is null
      returning 1
    ), updated as (
      update records t set
        data = n.data, deleted = n.deleted, contract_version = ${w.contractVersion}, node_id = ${w.nodeId}::uuid,
        user_id = ${w.userId}::uuid, batch_id = ${w.batchId}, source_time = n.source_time, received_at = now(),
        content_hash = n.content_hash, last_offset = n."offset", provenance = n.provenance
        from numbered n
       where n.stored_time is not null and t.dataset_id = ${w.datasetId}::uuid and t.key = n.key
      returning 1
    ), reattributed as (
      -- a golden record whose data is unchanged may now come from a more authoritative source:
      -- its provenance follows, without an event (consumers see no change)
      update records t set provenance = j.provenance
        from judged j
       where j.verdict = 'unchanged' and j.provenance is not null and j.stored_provenance is distinct from j.provenance
         and t.dataset_id = ${w.datasetId}::uuid and t.key = j.key
      returning 1
    ), disputed as (${openDisputesByKey(w.datasetId)}
    ), appended as (${w.reservation.insert(sql`
      select n."offset", n.key, case when n.deleted then 'delete' else 'upsert' end, n.data, ${w.contractVersion},
             n.source_time, ${w.batchId}, x.dispute
        from numbered n left join disputed x on x.key = n.key`)}
      returning 1
    )
    select idx, key, verdict, stored_time, null::integer as applied from judged where verdict <> 'apply'
    union all
    select null, null, null, null, (select count(*)::integer from appended)`.execute(trx);
  return {
    applied: result.find((r) => r.applied !== null)?.applied ?? 0,
    notApplied: result.filter((r) => r.applied === null),
  };
}

/** Stages records and applies them: for records made under the head lock (a registry's golden records). */
export async function applyRecords(
  trx: Tx,
  client: pg.ClientBase,
  w: Parameters<typeof applyStaged>[1],
  records: readonly (CheckedRecord & { provenance?: unknown })[],
): Promise<{ applied: number; notApplied: NotApplied[] }> {
  if (records.length === 0) return { applied: 0, notApplied: [] };
  await stageRecords(client, records);
  return applyStaged(trx, w);
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
