import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Consumers look records up by the fields a contract marks searchable. Each such field of each
 * dataset gets a partial expression index on records — (data->>field, key) for that dataset only
 * — so a search is an index range scan however large the records table grows, and ingest pays
 * only for the fields that are searched. Built CONCURRENTLY (writes go on meanwhile) after the
 * contract is published; idempotent, so it is also run for every dataset at start.
 */
export async function ensureSearchIndexes(db: Db, datasetId: string, fields: Record<string, { searchable?: boolean }>): Promise<void> {
  for (const [field, meta] of Object.entries(fields)) {
    if (!meta.searchable) continue;
    const name = `records_search_${createHash('sha256').update(`${datasetId}/${field}`).digest('hex').slice(0, 24)}`;
    // identifiers cannot be bound parameters: the field is a contract property name and the id a uuid, both quoted
    const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
    await sql
      .raw(`create index concurrently if not exists ${name} on records ((data->>${literal(field)}), key) where dataset_id = ${literal(datasetId)}::uuid`)
      .execute(db);
  }
}

/** The search indexes of every dataset's current contract (at start: catches datasets made by other processes). */
export async function ensureAllSearchIndexes(db: Db): Promise<void> {
  const rows = await db
    .selectFrom('datasets as d')
    .innerJoin('dataset_contracts as c', (j) => j.onRef('c.dataset_id', '=', 'd.id').onRef('c.version', '=', 'd.current_version'))
    .select(['d.id', 'c.fields'])
    .where('d.status', '=', 'published')
    .execute();
  for (const row of rows) await ensureSearchIndexes(db, row.id, row.fields as Record<string, { searchable?: boolean }>);
}
