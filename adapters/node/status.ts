import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { NodeHeartbeat } from '../../contracts/generated/api.ts';
import { safeMessage } from './pace.ts';

type JobReport = NodeHeartbeat['jobs'][number];

/** What one job has been doing: the heartbeat, `brx node status` and /metrics all read it. */
export class JobStatus {
  state: JobReport['state'] = 'starting';
  lastSuccessAt: Date | null = null;
  lastError: string | null = null;
  lastErrorAt: Date | null = null;
  backfill: { read: number; total: number } | null = null;
  /** rows (or events) per second: counts per second over the last minute */
  readonly #window: { second: number; rows: number }[] = [];

  constructor(
    readonly name: string,
    readonly kind: JobReport['kind'],
    readonly dataset: string,
    private readonly metrics: NodeMetrics,
  ) {}

  /** Rows read from the source (publishing) or written to the target (receiving). */
  moved(rows: number): void {
    const second = Math.floor(performance.now() / 1000);
    const last = this.#window[this.#window.length - 1];
    if (last?.second === second) last.rows += rows;
    else this.#window.push({ second, rows });
    while (this.#window.length && this.#window[0]!.second < second - 60) this.#window.shift();
    this.metrics.rows.inc({ job: this.name }, rows);
  }

  /** A database source asked its table once more. */
  polled(): void {
    this.metrics.polls.inc({ job: this.name });
  }

  rejected(rows: number): void {
    this.metrics.rejected.inc({ job: this.name }, rows);
  }

  succeeded(state: JobReport['state'] = 'running'): void {
    this.state = state;
    this.lastSuccessAt = new Date();
    this.metrics.batches.inc({ job: this.name, outcome: 'ok' });
  }

  /** `waiting`: nothing is wrong here, the exchange is away; `failing`: someone must look. */
  failed(error: Error, state: 'waiting' | 'failing'): void {
    this.state = state;
    this.lastError = safeMessage(error);
    this.lastErrorAt = new Date();
    this.metrics.batches.inc({ job: this.name, outcome: state });
  }

  get rowsPerSecond(): number {
    const now = Math.floor(performance.now() / 1000);
    const rows = this.#window.filter((w) => w.second >= now - 60 && w.second < now).reduce((n, w) => n + w.rows, 0);
    return Math.round((rows / 60) * 10) / 10;
  }

  report(spoolDepth: number): JobReport {
    return {
      name: this.name,
      kind: this.kind,
      dataset: this.dataset,
      state: this.state,
      spoolDepth,
      rowsPerSecond: this.rowsPerSecond,
      ...(this.backfill ? { backfill: this.backfill } : {}),
      lastSuccessAt: this.lastSuccessAt?.toISOString() ?? null,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt?.toISOString() ?? null,
    };
  }
}

/** The node's Prometheus metrics, on its own listener's /metrics. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly rows = new Counter({ name: 'brx_node_rows_total', help: 'rows taken from sources or written to targets', labelNames: ['job'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'brx_node_rows_rejected_total', help: 'rows reported locally and never sent', labelNames: ['job'], registers: [this.registry] });
  readonly batches = new Counter({ name: 'brx_node_batches_total', help: 'batches sent or applied, by outcome', labelNames: ['job', 'outcome'], registers: [this.registry] });
  readonly spool = new Gauge({ name: 'brx_node_spool_records', help: 'records waiting in the spool', labelNames: ['job'], registers: [this.registry] });
  readonly polls = new Counter({ name: 'brx_node_source_polls_total', help: 'queries of database sources', labelNames: ['job'], registers: [this.registry] });
  readonly backfill = new Gauge({ name: 'brx_node_backfill_ratio', help: 'share of a back-fill done (0–1)', labelNames: ['job'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'brx_node_' });
  }
}

/**
 * A back-fill's progress for the person at the terminal: a bar with rate and ETA redrawn in place
 * on a TTY, a plain log line every 10 s otherwise (systemd's journal, a file).
 */
export class Progress {
  readonly #started = performance.now();
  #lastLine = 0;

  constructor(
    private readonly job: string,
    private readonly log: (fields: Record<string, unknown>) => void,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(read: number, total: number): void {
    const now = performance.now();
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? read / seconds : 0;
    const eta = rate > 0 && total > read ? Math.round((total - read) / rate) : 0;
    if (this.out.isTTY) {
      if (now - this.#lastLine < 200 && read < total) return;
      this.#lastLine = now;
      const width = 30;
      const done = total > 0 ? Math.min(1, read / total) : 1;
      const bar = '█'.repeat(Math.round(done * width)).padEnd(width, '░');
      this.out.write(`\r${this.job} back-fill ${bar} ${(done * 100).toFixed(1)}%  ${read}/${total}  ${Math.round(rate)} rows/s  ETA ${eta}s `);
      if (read >= total) this.out.write('\n');
      return;
    }
    if (now - this.#lastLine < 10_000 && read < total) return;
    this.#lastLine = now;
    this.log({ job: this.job, read, total, rowsPerSecond: Math.round(rate), etaSeconds: eta });
  }
}
