import type { Db } from '../db/database.ts';
import type { AuditLog } from '../db/schema.ts';
import { entryHash, genesisHash, UnknownHashVersion } from './chain.ts';
import { hashesAt, readChain, readHead } from './store.ts';

export interface ChainReport {
  readonly log: AuditLog;
  readonly intact: boolean;
  /** entries known to hold: all of them when intact, those before the first break otherwise */
  readonly entries: number;
  /** hash of the last entry known to hold */
  readonly headHash: string;
  /** the walk started after this entry: 0 from the first, else a checkpoint's */
  readonly fromSeq: number;
  /** the time of the checkpoint the walk started from */
  readonly checkpointAt?: string;
  /** entries hashed in this run */
  readonly checked: number;
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/** A trusted point on the chain: a checkpoint whose signature holds. */
export interface StartingPoint {
  readonly seq: number;
  readonly headHash: string;
  readonly at: string;
}

export interface VerifyOptions {
  /** start at this checkpoint instead of the first entry */
  readonly from?: StartingPoint | undefined;
  /** told every few thousand entries: how many of how many have been hashed */
  readonly onProgress?: (checked: number, total: number) => void;
}

const progressEvery = 5000;

/**
 * Walks one chain and names the first entry that does not hold: a gap in the sequence (an
 * entry deleted), a `prev_hash` that is not its predecessor's hash (reordered or deleted), or a
 * stored hash that does not match the content (edited). The head is read first and the walk
 * stops there, so entries appended meanwhile are neither hashed nor taken for a break; the head
 * row catches entries removed from the end.
 *
 * From a checkpoint, the walk first asks whether the entry at the checkpoint's sequence still
 * has the signed hash: a chain recomputed in the database (edited, then every later hash made
 * to match) does not, and that is exactly what no walk of the database alone can see.
 */
export async function verifyChain(db: Db, log: AuditLog, options: VerifyOptions = {}): Promise<ChainReport> {
  const head = await readHead(db, log);
  const from = options.from && options.from.seq > 0 ? options.from : undefined;
  const start = from?.seq ?? 0;
  let prevHash = genesisHash;
  let entries = 0;
  let checked = 0;
  const base = { log, fromSeq: start, ...(from ? { checkpointAt: from.at } : {}) };
  const broken = (seq: number, reason: string): ChainReport => ({ ...base, intact: false, entries, headHash: prevHash, checked, firstBrokenSeq: seq, reason });
  if (from) {
    if (head.seq < from.seq) {
      return broken(head.seq + 1, `the log ends at entry ${head.seq}, but the checkpoint of ${from.at} signed entry ${from.seq}: entries were removed`);
    }
    const stored = (await hashesAt(db, log, [from.seq])).get(from.seq);
    if (stored !== from.headHash) {
      return broken(
        from.seq,
        `entry ${from.seq} ${stored ? 'no longer has the hash' : 'is gone; it had the hash'} signed by the checkpoint of ${from.at}: the log was rewritten at or before entry ${from.seq}`,
      );
    }
    prevHash = from.headHash;
    entries = from.seq;
  }
  const total = head.seq - start;
  for await (const row of readChain(db, log, { after: start, upTo: head.seq })) {
    const expectedSeq = entries + 1;
    if (row.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing`);
    if (row.prev_hash !== prevHash) return broken(row.seq, `entry ${row.seq} does not follow entry ${row.seq - 1}`);
    let hash: string;
    try {
      hash = entryHash(log, row);
    } catch (error) {
      if (error instanceof UnknownHashVersion) return broken(row.seq, `entry ${row.seq} names ${error.message}`);
      throw error;
    }
    if (hash !== row.hash) return broken(row.seq, `entry ${row.seq} was changed after it was written`);
    prevHash = row.hash;
    entries += 1;
    checked += 1;
    if (checked % progressEvery === 0) options.onProgress?.(checked, total);
  }
  if (entries !== head.seq) return broken(entries + 1, `entries after ${entries} are missing (the log head is at ${head.seq})`);
  if (head.hash !== prevHash) return broken(entries, `the log head does not name entry ${entries}'s hash`);
  options.onProgress?.(checked, total);
  return { ...base, intact: true, entries, headHash: prevHash, checked };
}
