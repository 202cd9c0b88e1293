import { createHash } from 'node:crypto';
import { canonicalJson } from '../../contracts/canonical.ts';

export const genesisHash = '0'.repeat(64);

/**
 * hash = SHA-256 over the canonical JSON of the stored row without its own `hash` column
 * (so `prev_hash` and `seq` are inside): editing, deleting or reordering any entry breaks
 * the chain at that entry. The row is hashed exactly as it reads back from PostgreSQL:
 * times as ISO strings with milliseconds, jsonb as parsed JSON.
 */
export function entryHash(row: Record<string, unknown>): string {
  const { hash: _ignored, ...content } = row;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
