import type { KeyObject } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { keyIdOf } from './audit-key.ts';
import { type Checkpoint, checkpointSignatureHolds, type ParsedCheckpoints } from './checkpoints.ts';
import { hashesAt, readHead } from './store.ts';

export interface CheckpointProblem {
  /** line of the checkpoint file (from 1) */
  readonly line: number;
  readonly log?: AuditLog;
  readonly seq?: number;
  readonly at?: string;
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
  onProgress?: (checked: number, total: number) => void,
): Promise<CheckpointReport> {
  const keyId = keyIdOf(publicKey);
  const problems: CheckpointProblem[] = parsed.malformed.map((m) => ({ line: m.line, reason: `not a checkpoint: ${m.reason}` }));
  let holding = 0;
  const lastHolding: CheckpointReport['lastHolding'] = {};
  const total = parsed.checkpoints.length;
  let checked = 0;
  for (const log of ['admin', 'access'] as AuditLog[]) {
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
          problems.push({ ...at, reason: `signed with another key (${cp.keyId.slice(0, 16)}…), not the audit key given` });
          continue;
        }
        if (!checkpointSignatureHolds(cp, publicKey)) {
          problems.push({ ...at, reason: 'its signature does not hold: the line was altered' });
          continue;
        }
        const since = before ? `after entry ${before.checkpoint.seq} (line ${before.line}, ${before.checkpoint.at}, still holds)` : 'anywhere up to it';
        if (cp.seq > head.seq) {
          problems.push({ ...at, reason: `the ${log} log ends at entry ${head.seq}, but this checkpoint signed entry ${cp.seq}: entries were removed ${since}` });
          continue;
        }
        const hash = cp.seq === 0 ? '0'.repeat(64) : stored.get(cp.seq);
        if (hash !== cp.headHash) {
          problems.push({
            ...at,
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
  }
  problems.sort((a, b) => a.line - b.line);
  return { intact: problems.length === 0, checked, holding, problems: problems.slice(0, listed), problemCount: problems.length, lastHolding };
}
