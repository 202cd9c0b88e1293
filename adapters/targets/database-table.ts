import type { DatabaseTarget } from '../../contracts/generated/node.ts';
import type { SubscriptionEvent } from '../../contracts/generated/api.ts';
import type { SqlDatabase, SqlRunner } from '../node/sql.ts';

/** Bookkeeping columns the node adds to a table it creates: which event wrote the row, and when. */
const offsetColumn = 'brx_offset';
const receivedColumn = 'brx_received_at';

/**
 * 库表交换 target: a table in the department's own database that received records are upserted
 * into and deleted from. Applying the same events again leaves the same rows (an upsert by key, a
 * delete by key), so a batch written before a crash and delivered again after it does no harm.
 */
export class TableWriter {
  #columns: { column: string; field: string }[] = [];
  #hasOffset = false;

  constructor(
    readonly db: SqlDatabase,
    readonly target: DatabaseTarget,
  ) {}

  get #key(): string {
    return this.target.keyColumn ?? 'record_key';
  }

  /**
   * Creates the table if it is missing (a text column per field, the key as primary key) and
   * checks that every mapped column is there, naming the missing ones.
   */
  async prepare(fields: readonly string[]): Promise<void> {
    const mapping = this.target.columns ?? Object.fromEntries(fields.map((f) => [f, f]));
    this.#columns = Object.entries(mapping).flatMap(([column, field]) => (field ? [{ column, field }] : []));
    const mysql = this.db.dialect === 'mysql';
    const keyType = mysql ? 'varchar(191)' : 'text';
    const stamp = mysql ? 'timestamp(6) not null default current_timestamp(6)' : 'timestamptz not null default now()';
    await this.db.query(
      `create table if not exists ${this.db.id(this.target.table)} (
         ${this.db.id(this.#key)} ${keyType} primary key,
         ${this.#columns.map((c) => `${this.db.id(c.column)} text`).join(', ')}${this.#columns.length ? ',' : ''}
         ${offsetColumn} bigint not null, ${receivedColumn} ${stamp}
       )${mysql ? ' default charset utf8mb4' : ''}`,
    );
    const existing = new Set((await this.#existingColumns()).map((c) => c.toLowerCase()));
    const missing = [this.#key, ...this.#columns.map((c) => c.column)].filter((c) => !existing.has(c.toLowerCase()));
    if (missing.length) throw new Error(`table ${this.target.table} has no column ${missing.join(', ')} (add them, or map the fields to columns it has)`);
    this.#hasOffset = existing.has(offsetColumn);
  }

  async #existingColumns(): Promise<string[]> {
    const [schema, table] = this.target.table.includes('.') ? this.target.table.split('.', 2) : [null, this.target.table];
    const rows =
      this.db.dialect === 'postgres'
        ? await this.db.query<{ name: string }>(
            `select column_name as name from information_schema.columns where table_name = $1 and table_schema = coalesce($2, current_schema())`,
            [table, schema],
          )
        : await this.db.query<{ name: string }>(
            `select column_name as name from information_schema.columns where table_name = ? and table_schema = coalesce(?, database())`,
            [table, schema],
          );
    return rows.map((r) => r.name);
  }

  /**
   * Applies a batch of events in one local transaction. A key that changes several times in the
   * batch is written once, as its last event left it (the events come in offset order).
   */
  async apply(events: readonly SubscriptionEvent[]): Promise<{ upserted: number; deleted: number }> {
    const last = new Map<string, SubscriptionEvent>();
    for (const e of events) if (e.type !== 'marker' && e.key !== undefined) last.set(e.key, e);
    const upserts = [...last.values()].filter((e) => e.op !== 'delete' && e.data);
    const deletes = [...last.values()].filter((e) => e.op === 'delete' || !e.data).map((e) => e.key!);
    if (last.size === 0) return { upserted: 0, deleted: 0 };
    await this.db.transaction(async (tx) => {
      if (upserts.length) await this.#upsert(tx, upserts);
      if (deletes.length) {
        const params = deletes.map((_, i) => this.db.param(i + 1));
        await tx.query(`delete from ${this.db.id(this.target.table)} where ${this.db.id(this.#key)} in (${params.join(', ')})`, deletes);
      }
    });
    return { upserted: upserts.length, deleted: deletes.length };
  }

  /** PostgreSQL takes at most 65,535 parameters a statement: wide records go in several statements. */
  async #upsert(tx: SqlRunner, events: readonly SubscriptionEvent[]): Promise<void> {
    const perRow = this.#columns.length + 2;
    const rows = Math.max(1, Math.floor(60_000 / perRow));
    for (let i = 0; i < events.length; i += rows) await this.#upsertSome(tx, events.slice(i, i + rows));
  }

  async #upsertSome(tx: SqlRunner, events: readonly SubscriptionEvent[]): Promise<void> {
    const columns = [this.#key, ...this.#columns.map((c) => c.column), ...(this.#hasOffset ? [offsetColumn] : [])];
    const params: unknown[] = [];
    const tuples = events.map((e) => {
      const values = [e.key, ...this.#columns.map((c) => cell(e.data?.[c.field])), ...(this.#hasOffset ? [e.offset] : [])];
      return `(${values.map((v) => {
        params.push(v);
        return this.db.param(params.length);
      }).join(', ')})`;
    });
    const set = columns.slice(1);
    if (this.#hasOffset) set.push(receivedColumn);
    const table = this.db.id(this.target.table);
    const list = columns.map((c) => this.db.id(c)).join(', ');
    const assignments =
      this.db.dialect === 'postgres'
        ? set.map((c) => `${this.db.id(c)} = ${c === receivedColumn ? 'now()' : `excluded.${this.db.id(c)}`}`)
        : set.map((c) => `${this.db.id(c)} = ${c === receivedColumn ? 'current_timestamp(6)' : `values(${this.db.id(c)})`}`);
    const conflict =
      this.db.dialect === 'postgres'
        ? set.length
          ? `on conflict (${this.db.id(this.#key)}) do update set ${assignments.join(', ')}`
          : `on conflict (${this.db.id(this.#key)}) do nothing`
        : `on duplicate key update ${set.length ? assignments.join(', ') : `${this.db.id(this.#key)} = ${this.db.id(this.#key)}`}`;
    await tx.query(`insert into ${table} (${list}) values ${tuples.join(', ')} ${conflict}`, params);
  }
}

/** A field's value as a cell: text and numbers as they are, anything structured as JSON. */
function cell(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
