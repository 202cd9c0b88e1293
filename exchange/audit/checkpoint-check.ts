import type { KeyObject } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { keyIdOf } from './audit-key.ts';
import { type Checkpoint, checkpointSignatureHolds, type ParsedCheckpoints } from './checkpoints.ts';
import { hashesAt, readHead } from './store.ts';

/**
 * What is wrong, for a program (or a page in another language) to tell apart: a line that is no
 * checkpoint; one signed with another key; one whose signature fails; one that signed entries the
 * log no longer has; one whose entry now has another hash; a log with entries and no checkpoint
 * at all (a fresh install before the first checkpoint is written, or a file emptied); coverage
 * older than allowed (under `strict`).
 */
export type CheckpointProblemKind = 'malformed' | 'key' | 'signature' | 'removed' | 'rewritten' | 'unanchored' | 'stale';

export interface CheckpointProblem {
  readonly kind: CheckpointProblemKind;
  /** line of the checkpoint file (from 1); 0 for the file as a whole (a log it has no checkpoint of) */
  readonly line: number;
  readonly log?: AuditLog;
  readonly seq?: number;
  readonly at?: string;
  /** removed, unanchored, stale: the log's last entry now */
  readonly head?: number;
  /** removed, rewritten: the last checkpoint before this one that still holds (its entry), if any */
  readonly holdsUpTo?: number;
  /** stale: minutes between the newest holding checkpoint and the log's last entry */
  readonly lagMinutes?: number;
  readonly reason: string;
}

export interface CheckpointReport {
  readonly intact: boolean;
  /** well-formed checkpoints looked at */
  readonly checked: number;
  /** of those, checkpoints whose signature holds and whose entry still has the signed hash */
  readonly holding: number;
  /** the first problems found (at most `listed` of them), in file order */
  readonly problems: CheckpointProblem[];
  readonly problemCount: number;
  /** per log, the checkpoint with the highest sequence that holds: where a walk may start */
  readonly lastHolding: Partial<Record<AuditLog, { line: number; seq: number; at: string; headHash: string }>>;
  /**
   * Per log checked, what the file anchors: the newest checkpoint that holds and how many entries
   * lie after it, which no checkpoint in this file vouches for. A file cut short (its newest lines
   * deleted) still holds line by line; this is where it shows.
   */
  readonly coverage: CheckpointCoverage[];
  /** stale coverage when not `strict`: the file may be old, or the checkpointer stopped */
  readonly warnings: string[];
}

export interface CheckpointCoverage {
  readonly log: AuditLog;
  /** entries in the log */
  readonly entries: number;
  readonly newest: { line: number; seq: number; at: string } | null;
  /** entries after the newest holding checkpoint (all of them when there is none) */
  readonly after: number;
  /** the newest checkpoint is older than `staleAfterMs` before the log's last entry */
  readonly stale: boolean;
}

export interface CheckOptions {
  readonly onProgress?: (checked: number, total: number) => void;
  /** the logs to check (default both): a log with entries and no checkpoint in the file fails */
  readonly logs?: readonly AuditLog[];
  /**
   * The newest checkpoint may lag the log's last entry by this much before the coverage is called
   * stale (a few checkpoint intervals: the checkpointer signs every interval in which a head moved).
   */
  readonly staleAfterMs?: number;
  /** stale coverage is a problem (the report is not intact), not a warning */
  readonly strict?: boolean;
}

const listed = 20;
const chunk = 1000;

/**
 * Checks every checkpoint of a file: its signature under the platform audit key, and that the
 * database still holds the signed hash at the signed sequence. A chain recomputed after a
 * checkpoint fails here although its own hashes agree; the failing checkpoint and the last one
 * before it that holds bound where the rewrite began.
 */
export async function checkCheckpoints(
  db: Db,
  parsed: ParsedCheckpoints,
  publicKey: KeyObject,
  options: CheckOptions = {},
): Promise<CheckpointReport> {
  const { onProgress } = options;
  const keyId = keyIdOf(publicKey);
  const problems: CheckpointProblem[] = parsed.malformed.map((m) => ({ kind: 'malformed' as const, line: m.line, reason: `not a checkpoint: ${m.reason}` }));
  let holding = 0;
  const lastHolding: CheckpointReport['lastHolding'] = {};
  const total = parsed.checkpoints.length;
  let checked = 0;
  const coverage: CheckpointCoverage[] = [];
  const warnings: string[] = [];
  for (const log of options.logs ?? (['admin', 'access'] as AuditLog[])) {
    const mine = parsed.checkpoints.filter((c) => c.checkpoint.log === log);
    const head = await readHead(db, log);
    // in sequence order, so the last holding checkpoint before a failing one is at hand
    const ordered = [...mine].sort((a, b) => a.checkpoint.seq - b.checkpoint.seq || a.line - b.line);
    let before: { line: number; checkpoint: Checkpoint } | undefined;
    for (let i = 0; i < ordered.length; i += chunk) {
      const page = ordered.slice(i, i + chunk);
      const stored = await hashesAt(db, log, page.map((c) => c.checkpoint.seq).filter((s) => s > 0 && s <= head.seq));
      for (const { line, checkpoint: cp } of page) {
        checked += 1;
        const at = { line, log, seq: cp.seq, at: cp.at };
        if (cp.keyId !== keyId) {
          problems.push({ ...at, kind: 'key', reason: `signed with another key (${cp.keyId.slice(0, 16)}…), not the audit key given` });
          continue;
        }
        if (!checkpointSignatureHolds(cp, publicKey)) {
          problems.push({ ...at, kind: 'signature', reason: 'its signature does not hold: the line was altered' });
          continue;
        }
        const holdsUpTo = before ? { holdsUpTo: before.checkpoint.seq } : {};
        const since = before ? `after entry ${before.checkpoint.seq} (line ${before.line}, ${before.checkpoint.at}, still holds)` : 'anywhere up to it';
        if (cp.seq > head.seq) {
          problems.push({ ...at, kind: 'removed', head: head.seq, ...holdsUpTo, reason: `the ${log} log ends at entry ${head.seq}, but this checkpoint signed entry ${cp.seq}: entries were removed ${since}` });
          continue;
        }
        const hash = cp.seq === 0 ? '0'.repeat(64) : stored.get(cp.seq);
        if (hash !== cp.headHash) {
          problems.push({
            ...at,
            kind: 'rewritten',
            ...holdsUpTo,
            reason: `entry ${cp.seq} ${hash ? 'has another hash than' : 'is gone; it had'} the one signed at ${cp.at}: the ${log} log was rewritten at or before entry ${cp.seq}, ${since}`,
          });
          continue;
        }
        holding += 1;
        before = { line, checkpoint: cp };
        lastHolding[log] = { line, seq: cp.seq, at: cp.at, headHash: cp.headHash };
      }
      onProgress?.(checked, total);
    }
    const newest = lastHolding[log];
    if (head.seq > 0 && mine.length === 0) {
      problems.push({ kind: 'unanchored', line: 0, log, head: head.seq, reason: `the file has no checkpoint of the ${log} log, which has ${head.seq} entries: nothing in it is anchored` });
    }
    let stale = false;
    if (newest && newest.seq < head.seq && options.staleAfterMs !== undefined) {
      const last = await lastEntryAt(db, log, head.seq);
      const lag = last ? last.getTime() - Date.parse(newest.at) : 0;
      if (lag > options.staleAfterMs) {
        stale = true;
        const lagMinutes = Math.round(lag / 60_000);
        const reason =
          `the newest ${log} checkpoint that holds (line ${newest.line}, entry ${newest.seq}, ${newest.at}) is ${lagMinutes} min older than the log's last entry, ` +
          `and ${head.seq - newest.seq} entries after it are vouched for by no checkpoint in this file: an old download, a file cut short, or a checkpointer that stopped`;
        if (options.strict) problems.push({ kind: 'stale', line: 0, log, seq: newest.seq, at: newest.at, head: head.seq, lagMinutes, reason });
        else warnings.push(reason);
      }
    }
    coverage.push({ log, entries: head.seq, newest: newest ? { line: newest.line, seq: newest.seq, at: newest.at } : null, after: head.seq - (newest?.seq ?? 0), stale });
  }
  problems.sort((a, b) => a.line - b.line);
  return { intact: problems.length === 0, checked, holding, problems: problems.slice(0, listed), problemCount: problems.length, lastHolding, coverage, warnings };
}

/** The time of a log's last entry, from the database's clock: what a checkpoint's age is measured against. */
async function lastEntryAt(db: Db, log: AuditLog, seq: number): Promise<Date | undefined> {
  const row = await db
    .selectFrom(log === 'admin' ? 'audit_admin' : 'audit_access')
    .select('at')
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row?.at;
}
