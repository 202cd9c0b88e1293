import { type Db, prepared } from '../db/database.ts';
import { type GrantRow, grantColumns } from './grants.ts';

/**
 * Grants per system and dataset, kept in memory by each exchange process. Aggregating the grants
 * into every hot read cost more than the record's own primary-key select; a dataset's grant
 * version (migration 0014: bumped by a trigger on every change of `grants`) costs one probe of a
 * small table and is read in the same statement as the record, so a copy that is not current is replaced on
 * the very request after a change, whichever process or session made it — no notification to
 * miss. The cache holds rows only: which grant is live, expired or for which mode is judged by the
 * read policy on every request, with the one clock.
 */
interface Held {
  readonly version: number;
  readonly grants: readonly GrantRow[];
}

/** Pairs of system and dataset held per process; the least recently read goes first. */
const capacity = 10_000;

const caches = new WeakMap<Db, Map<string, Held>>();

function heldOf(db: Db): Map<string, Held> {
  let held = caches.get(db);
  if (!held) {
    held = new Map();
    caches.set(db, held);
  }
  return held;
}

/**
 * A statement that reads a dataset's grant version with — from `join`, on a one-row `one` — what
 * the read is about, in one round trip. Parameters: $1 the dataset, then the read's own from $2.
 * The grants themselves are read apart, and only when the version is not the one held.
 */
export interface GrantStatement {
  readonly name: string;
  readonly text: string;
}

export function grantStatement(name: string, columns = '', join = ''): GrantStatement {
  return { name, text: `select (select version from grant_versions where dataset_id = $1) as grant_version${columns ? `, ${columns}` : ''} from (select) one ${join}` };
}

/**
 * Runs a grant statement: its one row, and the system's grants of the dataset as of that version
 * or later (from memory when the version matches).
 */
export async function readWithGrants<R extends object>(
  db: Db,
  statement: GrantStatement,
  systemId: string,
  datasetId: string,
  values: readonly unknown[] = [],
): Promise<{ grants: readonly GrantRow[]; row: R }> {
  const rows = await prepared<R & { grant_version: number | null }>(db, statement.name, statement.text, [datasetId, ...values]);
  const { grant_version, ...row } = rows[0]!;
  return { grants: await grantsAt(db, systemId, datasetId, grant_version ?? 0), row: row as unknown as R };
}

const grantsWithVersion = `select coalesce((select version from grant_versions where dataset_id = $2), 0) as grant_version, ${grantColumns.replace(/(\w+)/g, 'g.$1')}
                             from (select) one left join grants g on g.system_id = $1 and g.dataset_id = $2`;

async function grantsAt(db: Db, systemId: string, datasetId: string, version: number): Promise<readonly GrantRow[]> {
  const held = heldOf(db);
  const cacheKey = `${systemId}:${datasetId}`;
  const known = held.get(cacheKey);
  // most recently read last: Map keeps insertion order, so the first key is the one to drop
  held.delete(cacheKey);
  if (known?.version === version) {
    held.set(cacheKey, known);
    return known.grants;
  }
  // the grants and their version in one snapshot: what is held is exactly the state of that version
  const rows = await prepared<GrantRow & { grant_version: number }>(db, 'brx_grants_of', grantsWithVersion, [systemId, datasetId]);
  const grants = Object.freeze(rows.filter((r) => r.id !== null).map(({ grant_version: _, ...g }) => deepFreeze(g as GrantRow)));
  // a slower request may put back an older version than another just stored: the next read's
  // version check replaces it, so it is never used
  held.set(cacheKey, { version: rows[0]!.grant_version, grants });
  if (held.size > capacity) held.delete(held.keys().next().value!);
  return grants;
}

const versionOnly = grantStatement('brx_grant_version');

/** A system's grants of a dataset, for the read policy and whoever asks the same. */
export async function grantsOf(db: Db, systemId: string, datasetId: string): Promise<readonly GrantRow[]> {
  return (await readWithGrants(db, versionOnly, systemId, datasetId)).grants;
}

// Frozen: every request of the process shares the rows.
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
