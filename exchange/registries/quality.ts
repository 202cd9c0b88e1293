import { sql } from 'kysely';
import type { RegistryKind } from '../../registries/contract.ts';
import type { GoldenRecord } from '../../registries/merge.ts';
import type { Db, Tx } from '../db/database.ts';

interface Link {
  readonly field: string;
  readonly path: (data: Record<string, unknown>) => string | undefined;
  readonly target: (data: Record<string, unknown>) => RegistryKind;
}

interface Issue {
  key: string;
  kind: 'conflict' | 'dangling-link';
  field: string;
  detail: unknown;
}

/**
 * Brings the open data-quality issues of these golden records up to date: a conflict between
 * equally authoritative sources, or a link (a legal representative, a certificate holder) to a
 * record the target registry does not have. Issues no longer true are resolved; a dangling link
 * never blocks the record itself.
 */
export async function recordQuality(
  trx: Tx,
  q: { datasetId: string; registry: RegistryKind; links: readonly Link[] },
  golden: Map<string, GoldenRecord>,
): Promise<void> {
  const keys = [...golden.keys()];
  if (keys.length === 0) return;
  // records that now exist settle the dangling links of other registries that pointed at them
  const present = keys.filter((k) => golden.get(k)!.data !== null);
  if (present.length) {
    await sql`
      update quality_issues set status = 'resolved', resolved_at = now()
       where status = 'open' and kind = 'dangling-link'
         and detail->>'registry' = ${q.registry} and detail->>'missingKey' = any(${present}::text[])`.execute(trx);
  }
  const issues: Issue[] = [];
  for (const [key, g] of golden) {
    for (const conflict of g.conflicts) issues.push({ key, kind: 'conflict', field: conflict.field, detail: { values: conflict.values } });
  }
  for (const link of q.links) {
    const wanted = new Map<RegistryKind, Map<string, string[]>>();
    for (const [key, g] of golden) {
      const target = g.data ? link.path(g.data) : undefined;
      if (!target || !g.data) continue;
      const kind = link.target(g.data);
      const byTarget = wanted.get(kind) ?? new Map<string, string[]>();
      byTarget.set(target, [...(byTarget.get(target) ?? []), key]);
      wanted.set(kind, byTarget);
    }
    for (const [kind, byTarget] of wanted) {
      const registry = await trx.selectFrom('datasets').select('id').where('registry', '=', kind).executeTakeFirst();
      if (!registry) continue; // that registry is not set up: nothing to check against yet
      const found = await trx
        .selectFrom('records')
        .select('key')
        .where('dataset_id', '=', registry.id)
        .where('deleted', '=', false)
        .where('key', '=', sql<string>`any(${[...byTarget.keys()]}::text[])`)
        .execute();
      const present = new Set(found.map((r) => r.key));
      for (const [target, sourceKeys] of byTarget) {
        if (present.has(target)) continue;
        for (const key of sourceKeys) {
          issues.push({ key, kind: 'dangling-link', field: link.field, detail: { registry: kind, missingKey: target } });
        }
      }
    }
  }
  const current = new Set(issues.map((i) => `${i.key}\u0000${i.kind}\u0000${i.field}`));
  const open = await trx
    .selectFrom('quality_issues')
    .select(['id', 'key', 'kind', 'field'])
    .where('dataset_id', '=', q.datasetId)
    .where('status', '=', 'open')
    .where('key', '=', sql<string>`any(${keys}::text[])`)
    .execute();
  const settled = open.filter((o) => !current.has(`${o.key}\u0000${o.kind}\u0000${o.field}`)).map((o) => o.id);
  if (settled.length) {
    await trx.updateTable('quality_issues').set({ status: 'resolved', resolved_at: new Date() }).where('id', 'in', settled).execute();
  }
  if (issues.length) {
    await sql`
      insert into quality_issues (dataset_id, key, kind, field, detail)
      select ${q.datasetId}::uuid, x.key, x.kind, x.field, x.detail
        from jsonb_to_recordset(${JSON.stringify(issues)}::jsonb) as x(key text, kind text, field text, detail jsonb)
      on conflict (dataset_id, key, kind, field) where status = 'open' do update set detail = excluded.detail`.execute(trx);
  }
}

export async function listQualityIssues(
  db: Db,
  f: { dataset?: string; department?: string; status: 'open' | 'resolved'; after?: string; limit: number },
) {
  let q = db
    .selectFrom('quality_issues as q')
    .innerJoin('datasets as d', 'd.id', 'q.dataset_id')
    .select(['q.id', 'q.key', 'q.kind', 'q.field', 'q.detail', 'q.status', 'q.created_at', 'q.resolved_at', 'd.code as dataset', 'd.provider_department_id'])
    .where('q.status', '=', f.status);
  if (f.dataset) q = q.where('d.code', '=', f.dataset);
  if (f.department) {
    const department = f.department;
    // the issues of datasets the department provides or contributes to
    q = q.where((eb) =>
      eb.or([
        eb('d.provider_department_id', '=', department),
        eb.exists(
          eb
            .selectFrom('contributions as c')
            .select('c.key')
            .whereRef('c.dataset_id', '=', 'q.dataset_id')
            .whereRef('c.key', '=', 'q.key')
            .where('c.department_id', '=', department),
        ),
      ]),
    );
  }
  if (f.after) q = q.where('q.id', '>', f.after);
  return q.orderBy('q.id').limit(f.limit).execute();
}
