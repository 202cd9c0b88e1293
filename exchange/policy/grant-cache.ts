import { type Db, prepared } from '../db/database.ts';
import { type GrantRow, grantColumns } from './grants.ts';

/**
 * Grants per system and dataset, kept in memory by each exchange process. Aggregating the grants
 * into every hot read cost about four times the record's own primary-key select; a dataset's grant
 * version (migration 0014: bumped by a trigger on every change of `grants`) costs one index probe
 * and is read in the same statement as the record, so a copy that is not current is replaced on
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
 * A statement that reads a dataset's grant version, the calling system's grants of it only when
 * the version is not the one held, and — from `join` — what the read is about, in one snapshot
 * and one round trip. Parameters: $1 the system, $2 the dataset, $3 the version held (-1 for
 * none), then the read's own from $4.
 */
export interface GrantStatement {
  readonly name: string;
  readonly text: string;
}

export function grantStatement(name: string, columns = '', join = ''): GrantStatement {
  return {
    name,
    text: `select gv.version as grant_version,
                  case when gv.version <> $3 then (select coalesce(jsonb_agg(to_jsonb(g)), '[]') from (select ${grantColumns} from grants where system_id = $1 and dataset_id = $2) g) end as grants
                  ${columns ? `, ${columns}` : ''}
             from (select coalesce((select version from grant_versions where dataset_id = $2), 0) as version) gv
             ${join}`,
  };
}

/**
 * Runs a grant statement: the system's grants of the dataset as of the statement's snapshot
 * (from memory when the version matches), and the statement's one row.
 */
export async function readWithGrants<R extends object>(
  db: Db,
  statement: GrantStatement,
  systemId: string,
  datasetId: string,
  values: readonly unknown[] = [],
): Promise<{ grants: readonly GrantRow[]; row: R }> {
  const held = heldOf(db);
  const cacheKey = `${systemId}:${datasetId}`;
  const known = held.get(cacheKey);
  const rows = await prepared<R & { grant_version: number; grants: Record<string, unknown>[] | null }>(db, statement.name, statement.text, [
    systemId,
    datasetId,
    known?.version ?? -1,
    ...values,
  ]);
  const row = rows[0]!;
  let grants: readonly GrantRow[];
  if (row.grants === null && known) {
    grants = known.grants;
    // most recently read last: Map keeps insertion order, so the first key is the one to drop
    held.delete(cacheKey);
    held.set(cacheKey, known);
  } else {
    grants = Object.freeze((row.grants ?? []).map(reviveGrant));
    // a slower request may put back an older version than another just stored: the next read's
    // version check replaces it, so it is never used
    held.delete(cacheKey);
    held.set(cacheKey, { version: row.grant_version, grants });
    if (held.size > capacity) held.delete(held.keys().next().value!);
  }
  const { grant_version: _v, grants: _g, ...rest } = row;
  return { grants, row: rest as unknown as R };
}

const grantsOnly = grantStatement('brx_grants_of');

/** A system's grants of a dataset, for the read policy and whoever asks the same. */
export async function grantsOf(db: Db, systemId: string, datasetId: string): Promise<readonly GrantRow[]> {
  return (await readWithGrants(db, grantsOnly, systemId, datasetId)).grants;
}

// jsonb carries times as text: give the grant its Dates back. Frozen, as every request of the
// process shares it.
function reviveGrant(g: Record<string, unknown>): GrantRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return deepFreeze({
    ...(g as unknown as GrantRow),
    valid_from: date(g.valid_from)!,
    valid_until: date(g.valid_until),
    revoked_at: date(g.revoked_at),
    covert_until: date(g.covert_until),
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
