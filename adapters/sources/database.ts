import type { DatabaseSource, RecordMapping } from '../../contracts/generated/node.ts';
import type { Row } from '../node/mapping.ts';
import type { SqlDatabase } from '../node/sql.ts';

/**
 * Where a database source stands, kept in the spool in the same transaction as the records it
 * produced: a node killed at any moment reads on from the last chunk that is safely spooled.
 */
export type DatabaseProgress =
  | { readonly phase: 'backfill'; readonly after: unknown; readonly read: number; readonly total: number; readonly since: string | null }
  | { readonly phase: 'incremental'; readonly watermark: string | null; readonly key: unknown; readonly inclusive: boolean };

/**
 * The columns a job names (key, watermark, mapping) that a row of its source does not have: a
 * misspelt column would otherwise make every row of the back-fill a bad row, and a back-fill is
 * not read twice.
 */
export function missingColumns(row: Row, source: DatabaseSource, mapping: RecordMapping | undefined): string[] {
  const named = [
    source.key,
    source.watermark?.column,
    mapping?.sourceTimeField,
    mapping?.deleteWhen?.field,
    ...Object.entries(mapping?.fields ?? {}).map(([field, spec]) => (spec && !('constant' in spec) ? (spec.from ?? field) : undefined)),
  ];
  return [...new Set(named.filter((c): c is string => c !== undefined && !(c in row)))];
}

export interface Chunk {
  readonly rows: Row[];
  readonly progress: DatabaseProgress;
}

const watermarkAlias = 'brx_watermark';

/**
 * 库表 source. First a back-fill in key order, in chunks, resumable at the last spooled key; then
 * changes by a watermark, kept as the pair (watermark, key) so rows sharing a watermark value are
 * neither skipped nor read twice between chunks.
 *
 * Late commits: a transaction may stamp `updated_at` early and commit late, after the node has
 * read past that time. So the node reads only rows older than a bound, on the database's own
 * clock: `lateCommitSeconds` ago, and never later than the start of the oldest transaction still
 * open (PostgreSQL: pg_stat_activity; MySQL/MariaDB: information_schema.innodb_trx — where the
 * node's database user may see them). A sequence watermark reads only ids that were already the
 * highest at least `lateCommitSeconds` ago. The back-fill remembers the bound it started under and
 * the changes begin there, so a row changed while the back-fill ran is read again (the exchange
 * counts it unchanged) rather than missed.
 */
export class DatabaseReader {
  readonly #from: string;
  readonly #samples: { at: number; max: string | null }[] = [];
  /** whether the node's database user may see other sessions' transactions (asked once) */
  #seesTransactions: boolean | null = null;

  constructor(
    readonly db: SqlDatabase,
    readonly source: DatabaseSource,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#from = source.table ? `${db.id(source.table)} as brx_source` : `(${source.query}) as brx_source`;
  }

  get #lag(): number {
    return this.source.watermark?.lateCommitSeconds ?? 30;
  }

  get #chunk(): number {
    return this.source.chunkRows ?? 5000;
  }

  /** Where a new source begins: a sequence watermark is its own back-fill (ids in order); otherwise the key-order back-fill. */
  /**
   * MySQL refuses information_schema.innodb_trx without the PROCESS privilege (PostgreSQL shows
   * every role pg_stat_activity, with other users' times hidden unless pg_read_all_stats): asked
   * once, and without it only the margin bounds the watermark.
   */
  async #checkTransactionView(): Promise<void> {
    if (this.#seesTransactions !== null) return;
    if (this.db.dialect === 'postgres') {
      this.#seesTransactions = true;
      return;
    }
    this.#seesTransactions = await this.db.query('select trx_started from information_schema.innodb_trx limit 0').then(
      () => true,
      () => false,
    );
  }

  async start(): Promise<DatabaseProgress> {
    if (this.source.watermark?.type === 'sequence') return { phase: 'incremental', watermark: null, key: null, inclusive: true };
    const [count] = await this.db.query<{ n: string | number }>(`select count(*) as n from ${this.#from}`);
    return { phase: 'backfill', after: null, read: 0, total: Number(count?.n ?? 0), since: this.source.watermark ? await this.#timeBound() : null };
  }

  /** The next chunk after `progress`: rows and where that leaves the source. No rows: nothing new yet. */
  async next(progress: DatabaseProgress): Promise<Chunk> {
    await this.#checkTransactionView();
    return progress.phase === 'backfill' ? this.#backfill(progress) : this.#changes(progress);
  }

  async #backfill(progress: Extract<DatabaseProgress, { phase: 'backfill' }>): Promise<Chunk> {
    const key = this.db.id(this.source.key);
    const params: unknown[] = [];
    const where = progress.after === null ? '' : `where ${key} > ${this.#param(params, progress.after)}`;
    const rows = await this.db.query(`select * from ${this.#from} ${where} order by ${key} limit ${this.#chunk}`, params);
    const last = rows[rows.length - 1];
    if (rows.length === this.#chunk) {
      return { rows, progress: { ...progress, after: last![this.source.key], read: progress.read + rows.length } };
    }
    // the back-fill is done: changes from the bound it began under (inclusive), or, with no watermark, none
    return { rows, progress: { phase: 'incremental', watermark: progress.since, key: null, inclusive: true } };
  }

  async #changes(progress: Extract<DatabaseProgress, { phase: 'incremental' }>): Promise<Chunk> {
    const mark = this.source.watermark;
    if (!mark) return { rows: [], progress };
    const column = this.db.id(mark.column);
    const key = this.db.id(this.source.key);
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (progress.watermark !== null) {
      if (progress.inclusive) conditions.push(`${column} >= ${this.#param(params, progress.watermark)}`);
      else {
        conditions.push(
          `(${column} > ${this.#param(params, progress.watermark)} or (${column} = ${this.#param(params, progress.watermark)} and ${key} > ${this.#param(params, progress.key)}))`,
        );
      }
    }
    if (mark.type === 'sequence') {
      const cap = await this.#sequenceBound();
      if (cap === undefined) return { rows: [], progress };
      if (cap !== null) conditions.push(`${column} <= ${this.#param(params, cap)}`);
    } else {
      conditions.push(`${column} < ${this.#timeBoundSql()}`);
    }
    const text = this.db.dialect === 'postgres' ? 'text' : 'char';
    const rows = await this.db.query(
      `select brx_source.*, cast(${column} as ${text}) as ${watermarkAlias} from ${this.#from}
        where ${conditions.join(' and ')} order by ${column}, ${key} limit ${this.#chunk}`,
      params,
    );
    const last = rows[rows.length - 1];
    if (!last) return { rows, progress };
    const watermark = String(last[watermarkAlias]);
    for (const row of rows) delete row[watermarkAlias];
    return { rows, progress: { phase: 'incremental', watermark, key: last[this.source.key], inclusive: false } };
  }

  #param(params: unknown[], value: unknown): string {
    params.push(value);
    return this.db.param(params.length);
  }

  /**
   * The newest watermark that no open or late transaction can still write below (the database's
   * clock). Only transactions in the source's own database count: another application's long
   * transaction on the same server must not hold the source back.
   */
  #timeBoundSql(): string {
    const lag = Math.trunc(this.#lag);
    if (!this.#seesTransactions) return this.db.dialect === 'postgres' ? `now() - make_interval(secs => ${lag})` : `now(6) - interval ${lag} second`;
    return this.db.dialect === 'postgres'
      ? `least(now() - make_interval(secs => ${lag}),
               coalesce((select min(xact_start) from pg_stat_activity
                          where xact_start is not null and pid <> pg_backend_pid() and backend_type = 'client backend'
                            and datname = current_database()), now()))`
      : `least(now(6) - interval ${lag} second,
               coalesce((select min(t.trx_started) from information_schema.innodb_trx t
                           join information_schema.processlist p on p.id = t.trx_mysql_thread_id
                          where t.trx_mysql_thread_id <> connection_id() and p.db = database()), now(6)))`;
  }

  async #timeBound(): Promise<string> {
    await this.#checkTransactionView();
    const text = this.db.dialect === 'postgres' ? 'text' : 'char';
    const [row] = await this.db.query<{ bound: string }>(`select cast(${this.#timeBoundSql()} as ${text}) as bound`);
    return row!.bound;
  }

  /**
   * The highest id that was already the highest `lateCommitSeconds` ago (undefined: not known
   * yet, wait); null when the source takes no margin.
   */
  async #sequenceBound(): Promise<string | null | undefined> {
    const column = this.db.id(this.source.watermark!.column);
    const text = this.db.dialect === 'postgres' ? 'text' : 'char';
    const [row] = await this.db.query<{ max: string | null }>(`select cast(max(${column}) as ${text}) as max from ${this.#from}`);
    if (this.#lag === 0) return null;
    const at = this.now();
    this.#samples.push({ at, max: row?.max ?? null });
    let bound: { at: number; max: string | null } | undefined;
    while (this.#samples.length && at - this.#samples[0]!.at >= this.#lag * 1000) bound = this.#samples.shift();
    if (bound) this.#samples.unshift(bound);
    return bound ? (bound.max ?? undefined) : undefined;
  }
}
