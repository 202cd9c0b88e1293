import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { SearchIndex } from '../../contracts/generated/api.ts';
import type { Db } from '../db/database.ts';

/**
 * Consumers look records up by the fields a contract marks searchable. Each such field of each
 * dataset gets a partial expression index on records — (data->>field, key) for that dataset only
 * — so a search is an index range scan however large the records table grows, and ingest pays
 * only for the fields that are searched.
 *
 * On a large table a build takes minutes, so it never runs in a request (the statement timeout
 * would cancel it and leave an INVALID index behind): publishing only changes the catalog, and
 * the builder below, run in the background and at start, builds what is missing and rebuilds what
 * a failed or interrupted build left INVALID. Builds are CONCURRENTLY (ingest goes on meanwhile),
 * one builder at a time across processes.
 */
type SearchableFields = Record<string, { searchable?: boolean }>;

// a session advisory lock: CREATE INDEX CONCURRENTLY cannot run inside a transaction
const builderLock = 0x62727803;

export function searchIndexName(datasetId: string, field: string): string {
  return `records_search_${createHash('sha256').update(`${datasetId}/${field}`).digest('hex').slice(0, 24)}`;
}

interface Wanted {
  readonly datasetId: string;
  readonly field: string;
  readonly name: string;
}

function wantedOf(datasetId: string, fields: SearchableFields): Wanted[] {
  return Object.entries(fields)
    .filter(([, meta]) => meta.searchable)
    .map(([field]) => ({ datasetId, field, name: searchIndexName(datasetId, field) }));
}

type IndexState = SearchIndex['state'];

/** ready: valid; building: a build is under way now; invalid: a build failed (rebuilt on the next turn); pending: not built yet. */
async function statesOf(db: Db, names: string[]): Promise<Map<string, IndexState>> {
  if (names.length === 0) return new Map();
  const { rows } = await sql<{ name: string; valid: boolean; building: boolean }>`
    select c.relname as name, i.indisvalid as valid,
           exists (select 1 from pg_stat_progress_create_index p where p.index_relid = c.oid) as building
      from pg_class c join pg_index i on i.indexrelid = c.oid
     where c.relname = any(${names}) and c.relnamespace = current_schema()::regnamespace`.execute(db);
  const states = new Map<string, IndexState>(names.map((n) => [n, 'pending']));
  for (const r of rows) states.set(r.name, r.valid ? 'ready' : r.building ? 'building' : 'invalid');
  return states;
}

/** What a dataset's searchable fields are indexed by, for the people who publish and run it. */
export async function searchIndexesOf(db: Db, datasetId: string, fields: SearchableFields): Promise<SearchIndex[]> {
  const wanted = wantedOf(datasetId, fields);
  const states = await statesOf(db, wanted.map((w) => w.name));
  return wanted.map((w) => ({ field: w.field, state: states.get(w.name)! }));
}

export interface BuildReport {
  readonly built: number;
  readonly rebuilt: number;
}

/**
 * Builds every missing search index of the published datasets' current contracts and rebuilds
 * INVALID ones. Returns at once when another process is building. `db` must connect as the owner
 * of `records` (CREATE INDEX needs it; the application's role owns no table).
 */
export async function buildSearchIndexes(db: Db, onProgress: (message: string) => void = () => {}): Promise<BuildReport> {
  const datasets = await db
    .selectFrom('datasets as d')
    .innerJoin('dataset_contracts as c', (j) => j.onRef('c.dataset_id', '=', 'd.id').onRef('c.version', '=', 'd.current_version'))
    .select(['d.id', 'c.fields'])
    .where('d.status', '=', 'published')
    .execute();
  const wanted = datasets.flatMap((d) => wantedOf(d.id, d.fields as SearchableFields));
  const before = await statesOf(db, wanted.map((w) => w.name));
  const unbuilt = wanted.filter((w) => before.get(w.name) !== 'ready');
  if (unbuilt.length === 0) return { built: 0, rebuilt: 0 };
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${builderLock}) as got`.execute(conn);
    if (!rows[0]!.got) return { built: 0, rebuilt: 0 };
    let built = 0;
    let rebuilt = 0;
    try {
      // a build may take longer than any request may; this session only
      await sql`set statement_timeout = 0`.execute(conn);
      // identifiers cannot be bound parameters: the field is a contract property name and the id a uuid, both quoted
      const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
      for (const w of unbuilt) {
        // under the lock no other builder runs: an index still INVALID now is a failed build's leftover
        const now = (await statesOf(conn as Db, [w.name])).get(w.name);
        if (now === 'ready') continue;
        if (now === 'invalid' || now === 'building') {
          await sql.raw(`drop index concurrently if exists ${w.name}`).execute(conn);
          rebuilt += 1;
        } else built += 1;
        onProgress(`building search index on ${w.field} of dataset ${w.datasetId}`);
        await sql
          .raw(`create index concurrently if not exists ${w.name} on records ((data->>${literal(w.field)}), key) where dataset_id = ${literal(w.datasetId)}::uuid`)
          .execute(conn);
      }
    } finally {
      await sql`reset statement_timeout`.execute(conn);
      await sql`select pg_advisory_unlock(${builderLock})`.execute(conn);
    }
    return { built, rebuilt };
  });
}
