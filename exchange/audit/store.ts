import { sql } from 'kysely';
import { type Db, prepared, type Tx } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { departmentsOf } from '../auth/principal.ts';
import { currentHashVersion, entryHash } from './chain.ts';
import { type AccessEntry, type AdminEntry, actorColumns } from './entries.ts';

type Row = Record<string, unknown> & { seq: number; prev_hash: string; hash: string };

/** Millisecond precision (a JS Date's), as the chain hashes the time exactly as it reads back. */
const now = () => new Date();

export function adminRow(entry: AdminEntry, at = now()): Record<string, unknown> {
  return {
    at,
    ...actorColumns(entry.actor),
    department_id: entry.departmentId ?? null,
    action: entry.action,
    target_kind: entry.targetKind ?? null,
    target_id: entry.targetId ?? null,
    detail: entry.detail ?? {},
    request_id: entry.requestId ?? null,
  };
}

export function accessRow(entry: AccessEntry, at = now()): Record<string, unknown> {
  const actor = actorColumns(entry.actor);
  const a = entry.actor;
  return {
    at,
    actor_kind: actor.actor_kind,
    actor_id: a.kind === 'subject' ? a.subjectId : actor.actor_id,
    // a person reads for their department (the report tells the subject which one)
    department_id: a.kind === 'system' || a.kind === 'node' ? a.departmentId : a.kind === 'user' ? (departmentsOf(a)[0] ?? null) : null,
    system_id: a.kind === 'system' ? a.systemId : null,
    operator: entry.operator ?? null,
    grant_id: entry.grantId ?? null,
    purpose: entry.purpose ?? null,
    dataset: entry.dataset ?? null,
    mode: entry.mode,
    subject_keys: [...(entry.subjectKeys ?? [])],
    fields: [...(entry.fields ?? [])],
    // a node reading for its department's system (a receiving job) is named beside the system
    query: a.kind === 'system' && a.via ? { ...(entry.query ?? {}), viaNode: a.via.nodeId } : (entry.query ?? null),
    record_count: entry.recordCount ?? entry.subjectKeys?.length ?? 0,
    outcome: entry.outcome,
    disclose_after: entry.discloseAfter ?? null,
    request_id: entry.requestId ?? null,
  };
}

/**
 * Records an administrative action in the same transaction as the change it describes: the
 * change and its audit entry commit together or not at all. The admin log's head row is locked
 * first, so concurrent admin transactions (in any exchange process) queue there and each entry
 * gets the next sequence number and its predecessor's hash. Admin actions are rare; the access
 * log, which is not, is appended by group commit (appendAccessGroup).
 */
export async function recordAdminAction(trx: Tx, entry: AdminEntry): Promise<void> {
  const head = await trx.selectFrom('audit_heads').select(['seq', 'hash']).where('log', '=', 'admin').forUpdate().executeTakeFirstOrThrow();
  const { chained, head: next } = chain('admin', [adminRow(entry)], head);
  await trx
    .insertInto('audit_admin')
    // biome-ignore lint/suspicious/noExplicitAny: the row was built by adminRow for this table
    .values(chained.map((r) => ({ ...r, detail: JSON.stringify(r.detail) })) as any)
    .execute();
  await trx.updateTable('audit_heads').set(next).where('log', '=', 'admin').execute();
}

/** Hashes rows onto a chain whose last entry is `head`, under the current hash version; returns them and the new head. */
export function chain(log: AuditLog, rows: Record<string, unknown>[], head: { seq: number; hash: string }) {
  let { seq, hash } = head;
  const chained: Row[] = [];
  for (const row of rows) {
    seq += 1;
    const full: Row = { ...row, seq, prev_hash: hash, hash_version: currentHashVersion, hash: '' };
    full.hash = entryHash(log, full);
    hash = full.hash;
    chained.push(full);
  }
  return { chained, head: { seq, hash } };
}

/** The errors of an append that wrote nothing because the head was not where the entries were chained (brx_append_access, 0015). */
const headElsewhere = new Set(['BXA01', '23505']);

/**
 * Writes entries chained onto `expected` (by chain()) in one statement, one commit:
 * brx_append_access (0015_lean_access_log.sql) inserts them (a trigger indexes their subject keys), waits for
 * the transaction of a group this one is chained onto, and moves the head only if it is still
 * at `expected`. False when it was not and nothing was written: another process appended
 * meanwhile, or an earlier group of this process is not in (yet, or at all).
 * Measured: a lock-read-insert-update transaction per group (as recordAdminAction does) held the
 * group commit to ~1,800 audited req/s; this is a single prepared statement.
 */
export async function appendChained(
  db: Db,
  chained: readonly Row[],
  head: { seq: number; hash: string },
  expected: { seq: number; hash: string },
): Promise<boolean> {
  try {
    await prepared(db, 'brx_append_access', 'select brx_append_access($1, $2, $3, $4, $5::json)', [
      head.seq,
      head.hash,
      expected.seq,
      expected.hash,
      JSON.stringify(chained),
    ]);
    return true;
  } catch (error) {
    if (headElsewhere.has((error as { code?: string }).code ?? '')) return false;
    throw error;
  }
}

/** Chains a group of access entries onto `expected` and appends them (appendChained); the new head, or null if the head had moved. */
export async function appendAccessGroup(
  db: Db,
  rows: Record<string, unknown>[],
  expected: { seq: number; hash: string },
): Promise<{ seq: number; hash: string } | null> {
  const { chained, head } = chain('access', rows, expected);
  return (await appendChained(db, chained, head, expected)) ? head : null;
}

export interface AuditSearch {
  readonly actor?: string;
  readonly department?: string;
  readonly dataset?: string;
  /** access log: the consuming system that read */
  readonly system?: string;
  /** access log: a subject key (subjectKey()) among the records returned */
  readonly subject?: string;
  readonly action?: string;
  readonly from?: string;
  readonly to?: string;
  readonly before?: number;
  readonly limit: number;
}

/**
 * The entries that returned this subject's records, from the side table that indexes subject keys
 * (0015_lean_access_log.sql). Its B-tree is on (subject_key collate "C", seq): the key is compared
 * in that collation so the index serves it.
 */
export function subjectEntries(subject: string) {
  return sql<number>`(select s.seq from audit_access_subjects s where s.subject_key = ${subject}::text collate "C")`;
}

/** Newest first, keyset-paginated on the sequence number. */
export async function searchAudit(db: Db, log: AuditLog, q: AuditSearch): Promise<Row[]> {
  const table = log === 'admin' ? 'audit_admin' : 'audit_access';
  let query = db.selectFrom(table).selectAll();
  if (q.actor) query = query.where('actor_id', '=', q.actor);
  if (q.department) query = query.where('department_id', '=', q.department);
  if (q.from) query = query.where('at', '>=', new Date(q.from));
  if (q.to) query = query.where('at', '<', new Date(q.to));
  if (q.before) query = query.where('seq', '<', q.before);
  if (log === 'admin' && q.action) query = query.where(sql.ref('action'), '=', q.action);
  if (log === 'access' && q.dataset) query = query.where(sql.ref('dataset'), '=', q.dataset);
  // a system's reads carry its id as actor_id too (accessRow): the actor index serves this search
  if (log === 'access' && q.system) {
    // actor_id is text: spelled as PostgreSQL writes a uuid, as system_id (a uuid) would compare it
    const system = q.system.toLowerCase();
    query = query.where('actor_id', '=', system).where(sql.ref('system_id'), '=', system);
  }
  if (log === 'access' && q.subject) query = query.where('seq', 'in', subjectEntries(q.subject));
  return (await query.orderBy('seq', 'desc').limit(q.limit).execute()) as Row[];
}

/**
 * Reads the entries after `after` up to `upTo` in sequence order, a page at a time, so
 * verification runs in constant memory.
 */
export async function* readChain(db: Db, log: AuditLog, range: { after: number; upTo: number }, pageSize = 5000): AsyncGenerator<Row> {
  const table = log === 'admin' ? 'audit_admin' : 'audit_access';
  let after = range.after;
  for (;;) {
    const page = (await db
      .selectFrom(table)
      .selectAll()
      .where('seq', '>', after)
      .where('seq', '<=', range.upTo)
      .orderBy('seq')
      .limit(pageSize)
      .execute()) as Row[];
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

/** The stored hash of each of these entries (absent: no such entry). */
export async function hashesAt(db: Db, log: AuditLog, seqs: readonly number[]): Promise<Map<number, string>> {
  if (seqs.length === 0) return new Map();
  const table = log === 'admin' ? 'audit_admin' : 'audit_access';
  const rows = await db.selectFrom(table).select(['seq', 'hash']).where('seq', '=', sql<number>`any(${[...seqs]}::bigint[])`).execute();
  return new Map(rows.map((r) => [r.seq, r.hash]));
}

/** Which of these entries (sequence number and hash) is in the access log, if any. */
export async function committedOf(db: Db, entries: readonly { seq: number; hash: string }[]): Promise<{ seq: number; hash: string } | undefined> {
  const { rows } = await sql<{ seq: number; hash: string }>`
    select a.seq, a.hash from audit_access a
      join unnest(${entries.map((e) => e.seq)}::bigint[], ${entries.map((e) => e.hash)}::text[]) as x(seq, hash)
        on a.seq = x.seq and a.hash = x.hash
     limit 1`.execute(db);
  return rows[0];
}

export async function readHead(db: Db, log: AuditLog): Promise<{ seq: number; hash: string }> {
  return db.selectFrom('audit_heads').select(['seq', 'hash']).where('log', '=', log).executeTakeFirstOrThrow();
}
