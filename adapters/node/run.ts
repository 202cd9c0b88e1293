import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Dataset } from '../../contracts/generated/api.ts';
import type { NodeJob } from '../../contracts/generated/node.ts';
import { droppedFiles, ErrorReport, readRows, reportPathFor, settle } from '../sources/file-drop.ts';
import type { LoadedConfig } from './config.ts';
import { type ContractCheck, contractCheck } from './contract.ts';
import { ExchangeClient, RefusedError, TransientError } from './exchange-client.ts';
import { mapRow, type Row } from './mapping.ts';
import { Spool } from './spool.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
type Hook = (row: Row, record: Record<string, unknown>) => Record<string, unknown> | null;

/** Records are spooled in chunks of this many, each chunk with the file's progress. */
const chunkRows = 1_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/**
 * The front-end node: for each job, a reader that takes dropped files into the spool, and a
 * sender that drains the spool to the exchange. They meet only in the spool, so the exchange
 * may be away for hours (files keep being taken in) and the node may be killed at any moment
 * (the spool and the batch ids make every record arrive once).
 */
export async function runNode(config: LoadedConfig, options: { log: Log; signal: AbortSignal }): Promise<void> {
  const { log, signal } = options;
  const client = new ExchangeClient(config.exchange.url, config.apiKey, config.privateKeyPem, (config.exchange.timeoutSeconds ?? 60) * 1000);
  const spool = new Spool(config.spool!);
  try {
    await Promise.all(config.jobs.map((job) => runJob(job, client, spool, log, signal)));
  } finally {
    spool.close();
  }
}

async function runJob(job: NodeJob, client: ExchangeClient, spool: Spool, log: Log, signal: AbortSignal): Promise<void> {
  const contract = await currentContract(job, client, spool, log, signal);
  if (!contract) return;
  log('info', 'job started', { job: job.name, dataset: job.dataset, contract: contract.version });
  const hook = job.mapping?.hook ? ((await import(pathToFileURL(job.mapping.hook).href)).default as Hook) : null;
  await Promise.all([readFiles(job, contract, hook, spool, log, signal), send(job, client, spool, log, signal)]);
}

/**
 * The dataset's contract: fetched from the exchange and kept in the spool, so that a node started
 * while the exchange is away goes on with the contract it last saw (rows it takes in are checked
 * against that; the exchange checks them again). With none kept, it waits for the exchange.
 */
async function currentContract(job: NodeJob, client: ExchangeClient, spool: Spool, log: Log, signal: AbortSignal): Promise<ContractCheck | null> {
  const fetchAndKeep = async () => {
    const dataset = await client.dataset(job.dataset);
    spool.remember(job.dataset, dataset);
    return contractCheck(dataset);
  };
  try {
    return await fetchAndKeep();
  } catch (error) {
    if (!(error instanceof TransientError)) throw error;
    const kept = spool.remembered<Dataset>(job.dataset);
    if (kept) {
      log('warn', 'exchange unreachable: checking rows against the contract kept from before', { job: job.name, contract: kept.contract?.version, error: error.message });
      return contractCheck(kept);
    }
    return untilReachable(fetchAndKeep, job, log, signal);
  }
}

/** Retries a call while the exchange is away (with backoff), so a node can start before it. */
async function untilReachable<T>(call: () => Promise<T>, job: NodeJob, log: Log, signal: AbortSignal): Promise<T | null> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const wait = backoff(attempt);
      log('warn', 'exchange unreachable; trying again', { job: job.name, error: error.message, inSeconds: Math.round(wait / 1000) });
      await sleep(wait, signal);
    }
  }
  return null;
}

/** 1 s, 2 s, 4 s … up to 60 s, each ±50 %: many nodes coming back together do not all call at once. */
function backoff(attempt: number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 10));
  return base / 2 + Math.random() * base;
}

async function readFiles(job: NodeJob, contract: ContractCheck, hook: Hook | null, spool: Spool, log: Log, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    for (const file of await droppedFiles(job.source)) {
      if (signal.aborted) return;
      const done = spool.fileProgress(job.name, file.fingerprint);
      const report = new ErrorReport(reportPathFor(file, job.source), done > 0);
      let chunk: Record<string, unknown>[] = [];
      let rows = 0;
      let good = 0;
      for await (const { n, row, problem } of readRows(file, job.source)) {
        rows = n;
        if (n <= done) continue; // spooled before the node stopped
        if (!row) report.add(n, '/', problem ?? 'cannot be read');
        const record = row ? toRecord(row, n, job, contract, hook, report) : null;
        if (record) {
          chunk.push(record);
          good += 1;
        }
        if (chunk.length >= chunkRows || (n - done) % chunkRows === 0) {
          spool.accept(job.name, chunk, { fingerprint: file.fingerprint, rows: n });
          chunk = [];
        }
      }
      spool.accept(job.name, chunk, { fingerprint: file.fingerprint, rows });
      await report.close();
      const moved = await settle(file, job.source, report);
      spool.forgetFile(job.name, file.fingerprint);
      log(report.count ? 'warn' : 'info', 'file taken in', { job: job.name, file: file.name, rows, good, bad: report.count, movedTo: moved });
    }
    await sleep(2_000, signal);
  }
}

/** One row as the record the exchange expects, or null with every reason written to the report. */
function toRecord(row: Row, n: number, job: NodeJob, contract: ContractCheck, hook: Hook | null, report: ErrorReport): Record<string, unknown> | null {
  const { mapped, problems } = mapRow(row, job.mapping);
  for (const p of problems) report.add(n, `/${p.field}`, p.message);
  if (!mapped) return null;
  let data: Record<string, unknown> | null = mapped.data;
  if (hook) {
    try {
      data = hook(row, data);
    } catch (error) {
      report.add(n, '/', `the mapping hook failed: ${(error as Error).message}`);
      return null;
    }
    if (data === null) return null;
  }
  const key = data[contract.keyField];
  if (typeof key !== 'string' || key === '') {
    report.add(n, `/${contract.keyField}`, 'the key field is missing');
    return null;
  }
  if (mapped.op === 'upsert') {
    const errors = contract.check(data);
    for (const e of errors) report.add(n, e.pointer, e.message);
    if (errors.length) return null;
  }
  return { op: mapped.op, key, ...(mapped.op === 'upsert' ? { data } : {}), sourceTime: mapped.sourceTime ?? new Date().toISOString() };
}

async function send(job: NodeJob, client: ExchangeClient, spool: Spool, log: Log, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    const batch =
      spool.pending(job.name) ??
      spool.cut(job.name, job.batchSize ?? 500, () => `${job.name}-${randomUUID()}`, (records, id) =>
        Buffer.from(JSON.stringify({ batchId: id, records: records.map((r) => r.record) })),
      );
    if (!batch) {
      await sleep(500, signal);
      continue;
    }
    const started = performance.now();
    try {
      const result = await client.sendBatch(job.dataset, batch.body);
      spool.delivered(batch, result);
      failures = 0;
      log('info', 'batch accepted', { job: job.name, batch: batch.id, records: batch.count, accepted: result.accepted, unchanged: result.unchanged, rejected: result.rejected, replayed: result.replayed });
    } catch (error) {
      spool.attempted(batch);
      failures += 1;
      // a circuit breaker in effect: while the exchange is away, one attempt per backoff period
      const wait = error instanceof RefusedError ? 300_000 : backoff(failures);
      log(error instanceof TransientError ? 'warn' : 'error', 'batch not delivered; it waits in the spool', {
        job: job.name,
        batch: batch.id,
        error: (error as Error).message,
        retryInSeconds: Math.round(wait / 1000),
      });
      await sleep(wait, signal);
      continue;
    }
    // 流量控制: at most recordsPerSecond on average
    if (job.recordsPerSecond) await sleep(Math.max(0, (batch.count / job.recordsPerSecond) * 1000 - (performance.now() - started)), signal);
  }
}
