import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Dataset } from '../../contracts/generated/api.ts';
import type { DatabaseSource } from '../../contracts/generated/node.ts';
import { DatabaseReader, type DatabaseProgress, missingColumns } from '../sources/database.ts';
import { droppedFiles, ErrorReport, readRows, reportPathFor, settle } from '../sources/file-drop.ts';
import type { Connected, LoadedJob } from './config.ts';
import { type ContractCheck, contractCheck } from './contract.ts';
import { type ExchangeClient, RefusedError, TransientError } from './exchange-client.ts';
import type { Intake } from './listener.ts';
import { mapRow, type Row } from './mapping.ts';
import { backoff, type Log, safeMessage, sleep } from './pace.ts';
import type { Spool } from './spool.ts';
import { connectSql } from './sql.ts';
import { type JobStatus, Progress } from './status.ts';

type Hook = (row: Row, record: Record<string, unknown>) => Record<string, unknown> | null;
/** Where a row's problems go: a file's error report, the spool's rejects, a push's answer. */
type Report = (field: string, message: string) => void;

export interface PublishContext {
  readonly job: LoadedJob;
  readonly client: ExchangeClient;
  readonly spool: Spool;
  readonly status: JobStatus;
  readonly intake: Intake;
  readonly log: Log;
  readonly signal: AbortSignal;
}

/** Records are spooled in chunks of this many, each chunk with the file's progress. */
const chunkRows = 1_000;
/** A reader pauses while this many of its records wait to be sent: the spool buffers outages, not a whole table. */
const spoolHighWater = 200_000;
/** How often the contract is fetched again: a new version is used from then on. */
const contractRefreshMs = 60_000;

/**
 * One publishing job: a reader that takes rows from its source into the spool, checked against
 * the dataset's contract, and senders that drain the spool to the exchange. They meet only in
 * the spool, so the exchange may be away for hours (rows keep being taken in) and the node may be
 * killed at any moment (the spool and the batch ids make every record arrive once).
 */
export async function publish(ctx: PublishContext): Promise<void> {
  const contract = await currentContract(ctx);
  if (!contract) return;
  const { job, log } = ctx;
  log('info', 'job started', { job: job.name, dataset: job.dataset, source: job.source.kind, contract: contract.current.version });
  const hook = job.mapping?.hook ? ((await import(pathToFileURL(job.mapping.hook).href)).default as Hook) : null;
  const toRecord = (row: Row, report: Report) => recordOf(row, job, contract.current, hook, report);
  const source = job.source;
  const reader =
    source.kind === 'file-drop'
      ? readFiles(ctx, toRecord)
      : source.kind === 'http-intake'
        ? takePushes(ctx, toRecord)
        : readDatabase(ctx, source, toRecord);
  const holding = new Set<string>();
  await Promise.all([reader, ...Array.from({ length: job.sendConcurrency ?? 2 }, () => send(ctx, holding)), contract.refresh()]);
}

/**
 * The dataset's contract: fetched from the exchange and kept in the spool, so that a node started
 * while the exchange is away goes on with the contract it last saw (rows it takes in are checked
 * against that; the exchange checks them again). With none kept, it waits for the exchange. It is
 * fetched again every minute and a new version replaces the old one.
 */
async function currentContract({ job, client, spool, log, signal, status }: PublishContext) {
  const fetchAndKeep = async () => {
    const dataset = await client.dataset(job.dataset);
    spool.remember(job.dataset, dataset);
    return contractCheck(dataset);
  };
  let current: ContractCheck | null;
  try {
    current = await fetchAndKeep();
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    status.failed(error, 'waiting');
    const kept = spool.remembered<Dataset>(job.dataset);
    if (kept) {
      log('warn', 'exchange unreachable: checking rows against the contract kept from before', { job: job.name, contract: kept.contract?.version, error: safeMessage(error) });
      current = contractCheck(kept);
    } else {
      current = await untilReachable(fetchAndKeep, job.name, log, signal);
    }
  }
  if (!current) return null;
  const holder = {
    current,
    async refresh() {
      while (!signal.aborted) {
        await sleep(contractRefreshMs, signal);
        if (signal.aborted) return;
        const next = await fetchAndKeep().catch(() => null);
        if (next && next.version !== holder.current.version) {
          log('info', 'the dataset has a new contract: rows are checked against it from now on', { job: job.name, was: holder.current.version, now: next.version });
          holder.current = next;
        }
      }
    },
  };
  return holder;
}

/** Retries a call while the exchange is away (with backoff), so a node can start before it. */
export async function untilReachable<T>(call: () => Promise<T>, job: string, log: Log, signal: AbortSignal): Promise<T | null> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const wait = backoff(attempt);
      log('warn', 'exchange unreachable; trying again', { job, error: safeMessage(error), inSeconds: Math.round(wait / 1000) });
      await sleep(wait, signal);
    }
  }
  return null;
}

/** One row as the record the exchange expects, or null with every reason reported. */
function recordOf(row: Row, job: LoadedJob, contract: ContractCheck, hook: Hook | null, report: Report): Record<string, unknown> | null {
  const { mapped, problems } = mapRow(row, job.mapping);
  for (const p of problems) report(`/${p.field}`, p.message);
  if (!mapped) return null;
  let data: Record<string, unknown> | null = mapped.data;
  if (hook) {
    try {
      data = hook(row, data);
    } catch (error) {
      report('/', `the mapping hook failed: ${(error as Error).message}`);
      return null;
    }
    if (data === null) return null;
  }
  const key = data[contract.keyField];
  if (typeof key !== 'string' || key === '') {
    report(`/${contract.keyField}`, 'the key field is missing');
    return null;
  }
  if (mapped.op === 'upsert') {
    const errors = contract.check(data);
    for (const e of errors) report(e.pointer, e.message);
    if (errors.length) return null;
  }
  return { op: mapped.op, key, ...(mapped.op === 'upsert' ? { data } : {}), sourceTime: mapped.sourceTime ?? new Date().toISOString() };
}

type ToRecord = (row: Row, report: Report) => Record<string, unknown> | null;

async function readFiles({ job, spool, status, log, signal }: PublishContext, toRecord: ToRecord): Promise<void> {
  const source = job.source as Extract<LoadedJob['source'], { kind: 'file-drop' }>;
  // a file is taken when two looks, a poll apart, find it the same (size and modification time):
  // one still being written waits; no wall clock is compared with the file system's
  const lastLook = new Map<string, string>();
  while (!signal.aborted) {
    const files = await droppedFiles(source);
    const steady = files.filter((f) => lastLook.get(f.name) === f.fingerprint || spool.fileProgress(job.name, f.fingerprint) > 0);
    lastLook.clear();
    for (const f of files) lastLook.set(f.name, f.fingerprint);
    for (const file of steady) {
      if (signal.aborted) return;
      const done = spool.fileProgress(job.name, file.fingerprint);
      const report = new ErrorReport(reportPathFor(file, source), done > 0);
      let chunk: Record<string, unknown>[] = [];
      let rows = 0;
      let good = 0;
      for await (const { n, row, problem } of readRows(file, source)) {
        rows = n;
        if (n <= done) continue; // spooled before the node stopped
        if (!row) report.add(n, '/', problem ?? 'cannot be read');
        const record = row ? toRecord(row, (field, message) => report.add(n, field, message)) : null;
        if (record) {
          chunk.push(record);
          good += 1;
        }
        if (chunk.length >= chunkRows || (n - done) % chunkRows === 0) {
          spool.accept(job.name, chunk, { file: { fingerprint: file.fingerprint, rows: n } });
          status.moved(chunk.length);
          chunk = [];
          await spoolRoom(spool, job.name, signal);
        }
      }
      spool.accept(job.name, chunk, { file: { fingerprint: file.fingerprint, rows } });
      status.moved(chunk.length);
      await report.close();
      const moved = await settle(file, source, report);
      spool.forgetFile(job.name, file.fingerprint);
      status.rejected(report.count);
      log(report.count ? 'warn' : 'info', 'file taken in', { job: job.name, file: file.name, rows, good, bad: report.count, movedTo: moved });
    }
    await sleep(2_000, signal);
  }
}

/** Waits while the job's spool is above its high-water mark (the exchange is slower than the source, or away). */
async function spoolRoom(spool: Spool, job: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted && spool.depth(job) > spoolHighWater) await sleep(1_000, signal);
}

/**
 * 库表 source: back-fill, then changes (sources/database.ts). Each chunk's good records and the
 * source's new position enter the spool in one transaction; bad rows are kept in the spool's
 * rejects with the row's key, the field and the reason (shown by `brx node status`), never sent.
 */
async function readDatabase(ctx: PublishContext, source: Connected<DatabaseSource>, toRecord: ToRecord): Promise<void> {
  const { job, spool, status, log, signal } = ctx;
  const db = connectSql(source.kind, source.url);
  const reader = new DatabaseReader(db, source);
  const progressBar = new Progress(job.name, (fields) => log('info', 'back-fill progress', fields));
  let failures = 0;
  try {
    let progress = spool.sourceProgress<DatabaseProgress>(job.name);
    while (!signal.aborted) {
      let chunk: Awaited<ReturnType<DatabaseReader['next']>>;
      try {
        if (!progress) {
          progress = await reader.start();
          spool.accept(job.name, [], { source: progress });
          log('info', progress.phase === 'backfill' ? 'back-fill begins' : 'reading changes', { job: job.name, ...(progress.phase === 'backfill' ? { rows: progress.total } : {}) });
        }
        chunk = await reader.next(progress);
        status.polled();
        failures = 0;
      } catch (error) {
        const wait = backoff(++failures);
        status.failed(error as Error, 'failing');
        log('error', 'the source database cannot be read; trying again', { job: job.name, error: safeMessage(error), inSeconds: Math.round(wait / 1000) });
        await sleep(wait, signal);
        continue;
      }
      const missing = chunk.rows[0] ? missingColumns(chunk.rows[0], source, job.mapping) : [];
      if (missing.length) throw new Error(`${source.table ?? 'the query'} has no column ${missing.join(', ')} (named in key, watermark or mapping)`);
      const records: Record<string, unknown>[] = [];
      const rejects: { key: string; field: string; message: string }[] = [];
      for (const row of chunk.rows) {
        const key = String(row[source.key] ?? '');
        const record = toRecord(row, (field, message) => rejects.push({ key, field, message }));
        if (record) records.push(record);
      }
      spool.accept(job.name, records, { source: chunk.progress });
      spool.reject(job.name, rejects);
      status.moved(chunk.rows.length);
      status.rejected(new Set(rejects.map((r) => r.key)).size);
      if (rejects.length) log('warn', 'rows not sent: they do not fit the contract (brx node status lists them)', { job: job.name, rows: new Set(rejects.map((r) => r.key)).size });
      const was = progress;
      progress = chunk.progress;
      if (was.phase === 'backfill') {
        const read = progress.phase === 'backfill' ? progress.read : was.total;
        status.backfill = { read, total: Math.max(was.total, read) };
        progressBar.update(read, Math.max(was.total, read));
        if (progress.phase === 'incremental') {
          status.backfill = null;
          log('info', 'back-fill done; reading changes', { job: job.name, rows: read });
        }
      }
      if (status.state !== 'waiting') status.state = progress.phase === 'backfill' ? 'backfill' : 'running';
      await spoolRoom(spool, job.name, signal);
      if (chunk.rows.length < (source.chunkRows ?? 5000) && progress.phase === 'incremental') await sleep((source.pollSeconds ?? 10) * 1000, signal);
    }
  } finally {
    await db.close();
  }
}

/** Rows pushed by the department's business systems: checked, spooled, and answered row by row. */
async function takePushes({ job, spool, status, intake, signal }: PublishContext, toRecord: ToRecord): Promise<void> {
  intake.accept(job.name, (rows) => {
    if (spool.depth(job.name) > spoolHighWater) return null;
    const rejected: { row: number; field: string; problem: string }[] = [];
    const records: Record<string, unknown>[] = [];
    rows.forEach((row, i) => {
      const record = toRecord(row, (field, problem) => rejected.push({ row: i + 1, field, problem }));
      if (record) records.push(record);
    });
    spool.accept(job.name, records);
    status.moved(rows.length);
    status.rejected(new Set(rejected.map((r) => r.row)).size);
    return { accepted: records.length, rejected };
  });
  status.state = 'running';
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * A sender: takes the oldest batch no other sender holds (one cut before a crash goes again first,
 * unchanged), or cuts the next, and sends it until the exchange answers. Several senders overlap
 * their round trips; the exchange orders versions of one record by sourceTime, so batches may land
 * in any order.
 */
async function send({ job, client, spool, status, log, signal }: PublishContext, holding: Set<string>): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    const batch =
      spool.pending(job.name, holding) ??
      spool.cut(job.name, job.batchSize ?? 500, () => `${job.name}-${randomUUID()}`);
    if (!batch) {
      await sleep(500, signal);
      continue;
    }
    holding.add(batch.id);
    const started = performance.now();
    try {
      const result = await client.sendBatch(job.dataset, batch.body);
      spool.delivered(batch);
      failures = 0;
      status.succeeded(status.state === 'backfill' ? 'backfill' : 'running');
      log('info', 'batch accepted', { job: job.name, batch: batch.id, records: batch.count, accepted: result.accepted, unchanged: result.unchanged, rejected: result.rejected.length, stale: result.stale.length, replayed: result.replayed });
    } catch (error) {
      spool.attempted(batch);
      failures += 1;
      // a circuit breaker in effect: while the exchange is away, one attempt per backoff period
      const wait = error instanceof RefusedError ? 300_000 : backoff(failures);
      status.failed(error as Error, error instanceof TransientError ? 'waiting' : 'failing');
      log(error instanceof TransientError ? 'warn' : 'error', 'batch not delivered; it waits in the spool', {
        job: job.name,
        batch: batch.id,
        error: safeMessage(error),
        retryInSeconds: Math.round(wait / 1000),
      });
      await sleep(wait, signal);
      continue;
    } finally {
      holding.delete(batch.id);
    }
    // 流量控制: at most recordsPerSecond on average across the job's senders
    if (job.recordsPerSecond) {
      const senders = job.sendConcurrency ?? 2;
      await sleep(Math.max(0, ((batch.count * senders) / job.recordsPerSecond) * 1000 - (performance.now() - started)), signal);
    }
  }
}
