import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CheckedRecord } from './records.ts';

/**
 * A batch's checked records on their way in: COPY into a temporary table of the connection, so
 * PostgreSQL parses them as cheaply as it can (COPY's text format, against 17–25 µs per record
 * for a JSON parameter through jsonb_to_recordset) and — for a department's own dataset — before
 * the dataset's head is locked, so the next batch of the dataset is not held up by the parsing.
 * The rows go at commit (or with a rollback): each transaction finds the table empty.
 */
export const stageTable = 'brx_ingest_stage';

const made = new WeakSet<pg.ClientBase>();

/**
 * Makes the connection's table once, outside any transaction: made inside one that rolled back,
 * it would be gone while this connection still counts it as made.
 */
export async function ensureStage(client: pg.ClientBase): Promise<void> {
  if (made.has(client)) return;
  await client.query(`create temporary table if not exists ${stageTable} (
    idx integer not null, key text collate "C" not null, deleted boolean not null, source_time timestamptz not null,
    content_hash text not null, data jsonb, provenance jsonb) on commit delete rows`);
  made.add(client);
}

/** COPY's text format: backslash, tab, newline and carriage return escaped; \N is null. */
function field(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

export async function stageRecords(client: pg.ClientBase, records: readonly (CheckedRecord & { provenance?: unknown })[]): Promise<void> {
  if (records.length === 0) return;
  let text = '';
  for (const r of records) {
    const provenance = r.provenance === undefined || r.provenance === null ? null : JSON.stringify(r.provenance);
    text += `${r.index}\t${field(r.key)}\t${r.op === 'delete' ? 't' : 'f'}\t${r.sourceTime.toISOString()}\t${r.contentHash}\t${field(r.data === null ? null : r.json)}\t${field(provenance)}\n`;
  }
  const copy = client.query(copyFrom(`copy ${stageTable} (idx, key, deleted, source_time, content_hash, data, provenance) from stdin`));
  // once() rejects on 'error'; 'finish' comes when PostgreSQL has answered the COPY
  const finished = once(copy, 'finish');
  copy.end(text);
  await finished;
}
