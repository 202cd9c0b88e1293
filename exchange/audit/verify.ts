import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { entryHash, genesisHash } from './chain.ts';
import { readChain, readHead } from './store.ts';

export interface ChainReport {
  readonly log: AuditLog;
  readonly intact: boolean;
  readonly entries: number;
  readonly headHash: string;
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/**
 * Walks one chain from the start and names the first entry that does not hold: a gap in the
 * sequence (an entry deleted), a `prev_hash` that is not its predecessor's hash (reordered or
 * deleted), or a stored hash that does not match the content (edited). The head row catches
 * entries removed from the end.
 */
export async function verifyChain(db: Db, log: AuditLog): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = genesisHash;
  let entries = 0;
  const broken = (seq: number, reason: string): ChainReport => ({
    log,
    intact: false,
    entries,
    headHash: prevHash,
    firstBrokenSeq: seq,
    reason,
  });
  for await (const row of readChain(db, log)) {
    if (row.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing`);
    if (row.prev_hash !== prevHash) return broken(row.seq, `entry ${row.seq} does not follow entry ${row.seq - 1}`);
    if (entryHash(row) !== row.hash) return broken(row.seq, `entry ${row.seq} was changed after it was written`);
    prevHash = row.hash;
    expectedSeq += 1;
    entries += 1;
  }
  const head = await readHead(db, log);
  if (head.seq !== entries || head.hash !== prevHash) {
    return broken(entries + 1, `entries after ${entries} are missing (the log head is at ${head.seq})`);
  }
  return { log, intact: true, entries, headHash: prevHash };
}
