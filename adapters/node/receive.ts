import { TableWriter } from '../targets/database-table.ts';
import type { LoadedReceiveJob } from './config.ts';
import { type ExchangeClient, TransientError } from './exchange-client.ts';
import { backoff, type Log, safeMessage, sleep } from './pace.ts';
import { untilReachable } from './publish.ts';
import type { Spool } from './spool.ts';
import { connectSql } from './sql.ts';
import type { JobStatus } from './status.ts';

export interface ReceiveContext {
  readonly job: LoadedReceiveJob;
  readonly client: ExchangeClient;
  readonly spool: Spool;
  readonly status: JobStatus;
  readonly log: Log;
  readonly signal: AbortSignal;
}

/** Set only by the test that proves a crash between the local write and the ack loses nothing. */
const crashAfterWrite = process.env.BRX_NODE_FAULT === 'exit-after-write';

/**
 * 库表交换, the consumer side: long-polls a subscription held for one of the department's systems,
 * writes each batch into the local table in one transaction, and only then acknowledges it. A
 * node that dies between the two gets the same events again and writes the same rows again.
 */
export async function receive({ job, client, spool, status, log, signal }: ReceiveContext): Promise<void> {
  const exchange = client.forSystem(job.system);
  const remembered = `subscription:${job.name}`;
  const subscription = await untilReachable(
    async () => {
      const id = job.subscription ?? spool.get<string>(remembered);
      if (id) return (await exchange.subscription(id)).id;
      const created = await exchange.subscribe({ dataset: job.dataset, delivery: 'pull', start: job.start ?? 'now' });
      spool.set(remembered, created.id);
      log('info', 'subscribed', { job: job.name, dataset: job.dataset, subscription: created.id, start: job.start ?? 'now' });
      return created.id;
    },
    job.name,
    log,
    signal,
  );
  const dataset = await untilReachable(() => exchange.dataset(job.dataset), job.name, log, signal);
  if (!subscription || !dataset) return;
  const db = connectSql(job.target.kind, job.target.url);
  const writer = new TableWriter(db, job.target);
  try {
    const fields = Object.keys((dataset.contract?.schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await writer.prepare(fields);
        break;
      } catch (error) {
        status.failed(error as Error, 'failing');
        log('error', 'the target table cannot be used; trying again', { job: job.name, table: job.target.table, error: safeMessage(error) });
        await sleep(backoff(attempt), signal);
      }
    }
    log('info', 'job started', { job: job.name, dataset: job.dataset, subscription, table: job.target.table });
    status.state = 'running';
    let failures = 0;
    while (!signal.aborted) {
      try {
        const batch = await exchange.events(subscription, job.eventsPerPoll ?? 500, 25);
        if (batch.events.length) {
          const written = await writer.apply(batch.events);
          if (crashAfterWrite) process.kill(process.pid, 'SIGKILL');
          await exchange.ack(subscription, batch.next);
          status.moved(written.upserted + written.deleted);
          status.succeeded();
          log('info', 'events applied', {
            job: job.name,
            from: batch.events[0]!.offset,
            to: batch.events[batch.events.length - 1]!.offset,
            upserted: written.upserted,
            deleted: written.deleted,
          });
        }
        failures = 0;
        if (batch.quotaRenewsAt) {
          log('warn', 'the grant’s records a day are spent; waiting', { job: job.name, until: batch.quotaRenewsAt });
          await sleep(Math.max(1_000, Date.parse(batch.quotaRenewsAt) - Date.now()), signal);
        }
      } catch (error) {
        const wait = backoff(++failures);
        status.failed(error as Error, error instanceof TransientError ? 'waiting' : 'failing');
        log(error instanceof TransientError ? 'warn' : 'error', 'events not applied; trying again', { job: job.name, error: safeMessage(error), inSeconds: Math.round(wait / 1000) });
        await sleep(wait, signal);
      }
    }
  } finally {
    await db.close();
  }
}
