import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { NodeHeartbeat } from '../../contracts/generated/api.ts';
import type { LoadedConfig } from './config.ts';
import { ExchangeClient, TransientError } from './exchange-client.ts';
import { Intake, listen } from './listener.ts';
import { type Log, safeMessage, sleep } from './pace.ts';
import { publish } from './publish.ts';
import { receive } from './receive.ts';
import { Spool } from './spool.ts';
import { JobStatus, NodeMetrics } from './status.ts';

/** The version the node reports: the package's. */
export const nodeVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** The node's last report, kept in the spool for `brx node status` (which may run while the node does not). */
export const lastReportName = 'node:report';

/**
 * The front-end node: publishing jobs (a source into a dataset), receiving jobs (a subscription
 * into a local table), the local listener (pushes, /status, /metrics) and the heartbeat, all
 * sharing one spool, until the signal stops them.
 */
export async function runNode(config: LoadedConfig, options: { log: Log; signal: AbortSignal }): Promise<void> {
  const { log } = options;
  // a job that fails for good (not a passing outage) stops the whole node, which exits non-zero
  // so that its supervisor restarts it and the failure is seen; the other jobs stop first
  const stopping = new AbortController();
  // every job, sender and timer waits on this signal at once: that is the design, not a leak
  setMaxListeners(0, stopping.signal);
  options.signal.addEventListener('abort', () => stopping.abort(), { once: true });
  const signal = stopping.signal;
  let failure: Error | null = null;
  const guarded = (name: string, job: Promise<void>) =>
    job.catch((error: Error) => {
      log('error', 'job failed; the node stops', { job: name, error: safeMessage(error) });
      failure ??= error;
      stopping.abort();
    });
  const client = new ExchangeClient(config.exchange.url, config.apiKey, config.privateKeyPem, (config.exchange.timeoutSeconds ?? 60) * 1000);
  const spool = new Spool(config.spool!);
  const metrics = new NodeMetrics();
  const startedAt = new Date().toISOString();
  const publishing = config.jobs.map((job) => new JobStatus(job.name, job.source.kind, job.dataset, metrics));
  const receiving = config.receive.map((job) => new JobStatus(job.name, 'receive', job.dataset, metrics));
  const intervalSeconds = config.heartbeatSeconds ?? 30;
  const report = (): NodeHeartbeat => ({
    version: nodeVersion,
    startedAt,
    intervalSeconds,
    jobs: [...publishing, ...receiving].map((s) => {
      const depth = s.kind === 'receive' ? 0 : spool.depth(s.name);
      metrics.spool.set({ job: s.name }, depth);
      if (s.backfill) metrics.backfill.set({ job: s.name }, s.backfill.total ? s.backfill.read / s.backfill.total : 1);
      return s.report(depth);
    }),
  });
  const intake = new Intake();
  let server: Server | null = null;
  if (config.listen || config.jobs.some((j) => j.source.kind === 'http-intake')) {
    server = await listen({ host: config.listen?.host ?? '127.0.0.1', port: config.listen?.port ?? 8470, key: config.intakeKey, intake, pushJobs: new Set(config.jobs.filter((j) => j.source.kind === 'http-intake').map((j) => j.name)), status: report, metrics });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    log('info', 'listening', { host: config.listen?.host ?? '127.0.0.1', port });
  }
  try {
    await Promise.all([
      ...config.jobs.map((job, i) => guarded(job.name, publish({ job, client, spool, status: publishing[i]!, intake, log, signal }))),
      ...config.receive.map((job, i) => guarded(job.name, receive({ job, client, spool, status: receiving[i]!, log, signal }))),
      guarded('heartbeat', heartbeats(client, spool, report, intervalSeconds, log, signal)),
    ]);
    if (failure) throw failure;
  } finally {
    for (const s of [...publishing, ...receiving]) s.state = 'stopped';
    spool.set(lastReportName, { ...report(), at: new Date().toISOString() });
    server?.close();
    spool.close();
  }
}

/**
 * Every interval: the report to the exchange (which flags the node offline when beats stop) and
 * into the spool (for `brx node status`). A failed beat is only logged: the jobs go on.
 */
async function heartbeats(client: ExchangeClient, spool: Spool, report: () => NodeHeartbeat, seconds: number, log: Log, signal: AbortSignal): Promise<void> {
  let warned = false;
  while (!signal.aborted) {
    const now = report();
    spool.set(lastReportName, { ...now, at: new Date().toISOString() });
    try {
      await client.heartbeat(now);
      warned = false;
    } catch (error) {
      if (!warned || !(error instanceof TransientError)) log('warn', 'heartbeat not delivered', { error: safeMessage(error) });
      warned = true;
    }
    await sleep(seconds * 1000, signal);
  }
}
