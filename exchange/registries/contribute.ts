import { sql } from 'kysely';
import type pg from 'pg';
import type { RegistryKind } from '../../registries/contract.ts';
import { type Contribution, compactProvenance, type GoldenRecord, mergeContributions, type MergeRules } from '../../registries/merge.ts';
import type { Tx } from '../db/database.ts';
import type { Reservation } from '../events/event-log.ts';
import { canonicalForm, type CheckedRecord } from '../ingest/records.ts';
import { applyRecords, type NotApplied } from '../ingest/store.ts';
import { registryDefinitions } from './definitions.ts';
import { recordQuality } from './quality.ts';

export interface ContributionContext {
  readonly datasetId: string;
  readonly registry: RegistryKind;
  readonly keyField: string;
  readonly rules: MergeRules;
  readonly departmentId: string;
  readonly nodeId: string | null;
  readonly userId: string | null;
  readonly batchId: string;
  readonly contractVersion: string;
  /** the dataset's next offsets, held by the caller */
  readonly reservation: Reservation;
}

/**
 * A registry's side of ingest. The batch's records are this department's contributions: each
 * replaces the department's earlier contribution for its key unless older (stale). Every key that
 * changed is merged again from all its contributions into a golden record — field by field, by
 * authority, with provenance — and the golden record is what is stored, evented and delivered.
 * Conflicts and dangling links become data-quality issues.
 */
export async function applyContributions(
  trx: Tx,
  client: pg.ClientBase,
  c: ContributionContext,
  records: readonly CheckedRecord[],
): Promise<{ applied: number; notApplied: NotApplied[]; staleKeys: Set<number> }> {
  if (records.length === 0) return { applied: 0, notApplied: [], staleKeys: new Set() };
  const rows = records.map((r) => ({ idx: r.index, key: r.key, data: r.data, source_time: r.sourceTime.toISOString() }));
  const { rows: outcome } = await sql<{ idx: number; key: string; taken: boolean; stored_time: Date | null }>`
    with incoming as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(idx integer, key text, data jsonb, source_time timestamptz)
    ), taken as (
      insert into contributions as c (dataset_id, key, department_id, data, source_time, batch_id, node_id, received_at)
      select ${c.datasetId}::uuid, i.key, ${c.departmentId}::uuid, i.data, i.source_time, ${c.batchId}, ${c.nodeId}::uuid, now()
        from incoming i
      on conflict (dataset_id, key, department_id) do update set
        data = excluded.data, source_time = excluded.source_time, batch_id = excluded.batch_id,
        node_id = excluded.node_id, received_at = excluded.received_at
      where c.source_time <= excluded.source_time
      returning key
    )
    select i.idx, i.key, (t.key is not null) as taken, old.source_time as stored_time
      from incoming i
      left join taken t on t.key = i.key
      left join contributions old on old.dataset_id = ${c.datasetId}::uuid and old.key = i.key and old.department_id = ${c.departmentId}::uuid`.execute(trx);

  const stale: NotApplied[] = outcome
    .filter((o) => !o.taken)
    .map((o) => ({ idx: o.idx, key: o.key, verdict: 'stale' as const, stored_time: o.stored_time! }));
  const changedKeys = outcome.filter((o) => o.taken).map((o) => o.key);
  if (changedKeys.length === 0) return { applied: 0, notApplied: stale, staleKeys: new Set(stale.map((s) => s.idx)) };

  const all = await trx
    .selectFrom('contributions')
    .select(['key', 'department_id', 'data', 'source_time', 'batch_id'])
    .where('dataset_id', '=', c.datasetId)
    .where('key', '=', sql<string>`any(${changedKeys}::text[])`)
    .execute();
  const byKey = new Map<string, Contribution[]>();
  for (const row of all) {
    const list = byKey.get(row.key) ?? [];
    list.push({ department: row.department_id, data: row.data as Record<string, unknown> | null, sourceTime: row.source_time, batchId: row.batch_id });
    byKey.set(row.key, list);
  }
  const indexOf = new Map(outcome.map((o) => [o.key, o.idx]));
  const golden = new Map<string, GoldenRecord>();
  const merged: (CheckedRecord & { provenance: unknown })[] = changedKeys.map((key) => {
    const g = mergeContributions(key, c.keyField, byKey.get(key) ?? [], c.rules);
    golden.set(key, g);
    return {
      index: indexOf.get(key)!,
      key,
      op: g.data ? 'upsert' : 'delete',
      data: g.data,
      sourceTime: g.sourceTime ?? new Date(),
      ...canonicalForm(g.data),
      provenance: compactProvenance(g.provenance),
    };
  });
  const { applied, notApplied } = await applyRecords(
    trx,
    client,
    { datasetId: c.datasetId, reservation: c.reservation, contractVersion: c.contractVersion, nodeId: c.nodeId, userId: c.userId, batchId: c.batchId, staleCheck: false },
    merged,
  );
  await recordQuality(trx, { datasetId: c.datasetId, registry: c.registry, links: registryDefinitions[c.registry].links }, golden);
  return { applied, notApplied: [...stale, ...notApplied], staleKeys: new Set(stale.map((s) => s.idx)) };
}
