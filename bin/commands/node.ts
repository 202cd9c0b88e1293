import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, type LoadedConfig, loadConfig } from '../../adapters/node/config.ts';
import { contractCheck } from '../../adapters/node/contract.ts';
import { ExchangeClient } from '../../adapters/node/exchange-client.ts';
import { writeKeyPair } from '../../adapters/node/keys.ts';
import { lastReportName, runNode } from '../../adapters/node/run.ts';
import { Spool } from '../../adapters/node/spool.ts';
import { connectSql, redactedUrl } from '../../adapters/node/sql.ts';
import { type DatabaseProgress, missingColumns } from '../../adapters/sources/database.ts';
import type { NodeHeartbeat } from '../../contracts/generated/api.ts';
import type { Command } from '../cli.ts';

const usage = `Usage: brx node keygen [--out DIR]
       brx node check --config node.yaml
       brx node run --config node.yaml
       brx node status --config node.yaml

The front-end node (前置机) of a department: it takes the department's tables, files and pushed
rows in, checks each row against the dataset's contract, keeps good rows in a durable spool, and
sends them to the exchange in signed batches (bad rows are reported locally, never sent); it
writes what the department receives into the department's own tables.

  keygen   write an Ed25519 key pair (node-key.pem, 0600, and node-key.pub.pem) and print the
           public key to register with the exchange
  check    validate the configuration, reach the exchange, fetch each job's contract, and
           connect to each source and target
  run      run the jobs until SIGTERM/SIGINT
  status   the node's local view: each job's state, spool depth, back-fill, last error and
           the rows its database sources could not send`;

/** Tries every job's way in and out, printing what it found; false when something is wrong. */
async function checkNode(config: LoadedConfig): Promise<boolean> {
  const client = new ExchangeClient(config.exchange.url, config.apiKey, config.privateKeyPem, 15_000);
  let ok = true;
  const attempt = async (job: string, work: () => Promise<string>) => {
    try {
      console.log(`job ${job}: ${await work()}`);
    } catch (error) {
      ok = false;
      console.error(`job ${job}: ${(error as Error).message}`);
    }
  };
  const tryDatabase = async (kind: 'postgres' | 'mysql', url: string, probe: string) => {
    const db = connectSql(kind, url);
    try {
      await db.query(probe);
    } catch (error) {
      throw new Error(`${redactedUrl(url)}: ${(error as Error).message}`);
    } finally {
      await db.close();
    }
    return redactedUrl(url);
  };
  for (const job of config.jobs) {
    await attempt(job.name, async () => {
      const contract = contractCheck(await client.dataset(job.dataset));
      const source = job.source;
      let from: string;
      if (source.kind === 'file-drop') {
        // the node moves processed files to done/ and failed/: it must be able to write there
        await access(source.folder, constants.R_OK | constants.W_OK).catch((error: NodeJS.ErrnoException) => {
          throw new Error(
            error.code === 'ENOENT'
              ? `the drop folder ${source.folder} does not exist: create it, readable and writable by the node's user`
              : `the node's user cannot read and write the drop folder ${source.folder} (${error.code})`,
          );
        });
        from = `files from ${source.folder}`;
      } else if (source.kind === 'http-intake') {
        from = `pushes to POST /push/${job.name} on ${config.listen?.host ?? '127.0.0.1'}:${config.listen?.port ?? 8470}`;
      } else {
        const db = connectSql(source.kind, source.url);
        const what = source.table ? db.id(source.table) : `(${source.query}) as brx_source`;
        try {
          const [row] = await db.query(`select * from ${what} limit 1`);
          const missing = row ? missingColumns(row, source, job.mapping) : [];
          if (missing.length) throw new Error(`${source.table ?? 'the query'} has no column ${missing.join(', ')} (named in key, watermark or mapping)`);
        } catch (error) {
          throw new Error(`${redactedUrl(source.url)}: ${(error as Error).message}`);
        } finally {
          await db.close();
        }
        from = `rows of ${source.table ?? 'a query'} in ${redactedUrl(source.url)}`;
      }
      return `dataset ${job.dataset}, contract ${contract.version}, key ${contract.keyField}, ${from}`;
    });
  }
  for (const job of config.receive) {
    await attempt(job.name, async () => {
      const subscriber = client.forSystem(job.system);
      const dataset = await subscriber.dataset(job.dataset);
      const target = await tryDatabase(job.target.kind, job.target.url, 'select 1');
      const subscription = job.subscription ? `subscription ${(await subscriber.subscription(job.subscription)).id}` : 'a subscription the node creates';
      return `dataset ${dataset.code} for system ${job.system} (${subscription}) into ${job.target.table} in ${target}`;
    });
  }
  return ok;
}

/** The node's own view, read from its spool: works whether or not the node is running. */
function printStatus(config: LoadedConfig): number {
  if (!existsSync(config.spool!)) {
    console.error(`${config.spool}: no spool yet (the node has not run with this configuration)`);
    return 1;
  }
  const spool = new Spool(config.spool!, { readonly: true });
  try {
    const report = spool.get<NodeHeartbeat & { at: string }>(lastReportName);
    console.log(`node at ${config.file}
exchange ${config.exchange.url}
last report ${report?.at ?? 'never'}${report ? ` (version ${report.version}, started ${report.startedAt})` : ''}
`);
    const rows = [...config.jobs.map((j) => ({ name: j.name, kind: j.source.kind })), ...config.receive.map((j) => ({ name: j.name, kind: 'receive' }))].map((j) => {
      const r = report?.jobs.find((x) => x.name === j.name);
      const progress = spool.sourceProgress<DatabaseProgress>(j.name);
      const backfill = progress?.phase === 'backfill' ? `back-fill ${progress.read}/${progress.total}` : progress ? 'changes' : '';
      return {
        job: j.name,
        kind: j.kind,
        state: r?.state ?? 'unknown',
        spooled: j.kind === 'receive' ? '' : String(spool.depth(j.name)),
        'rows/s': r ? String(r.rowsPerSecond) : '',
        source: backfill,
        'last success': r?.lastSuccessAt ?? '',
        'last error': r?.lastError ? `${r.lastErrorAt} ${r.lastError}` : '',
      };
    });
    console.table(rows);
    for (const job of config.jobs) {
      const rejects = spool.rejects(job.name);
      if (rejects.length === 0) continue;
      console.log(`
${job.name}: the latest rows not sent (they do not fit the contract):`);
      for (const r of rejects) console.log(`  ${new Date(r.at).toISOString()}  key ${r.key}  ${r.field}  ${r.problem}`);
    }
    return 0;
  } finally {
    spool.close();
  }
}

/** A JSON line per event: the node's log, without personal data (rows are counted, never shown). */
function log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}

export const nodeCommand: Command = {
  summary: 'The front-end node (前置机): keygen, check, run, status',
  help: usage,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, out: { type: 'string' } } });
    const sub = positionals[0];
    if (sub === 'keygen') {
      const keys = await writeKeyPair(values.out ?? '.');
      console.log(`private key: ${keys.privateKeyFile} (keep it on this machine)\npublic key:  ${keys.publicKeyFile} — register it with the exchange:\n\n${keys.publicKey}`);
      return 0;
    }
    if ((sub !== 'check' && sub !== 'run' && sub !== 'status') || !values.config) {
      console.error(usage);
      return 2;
    }
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(values.config);
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        return 2;
      }
      throw error;
    }
    if (sub === 'check') return (await checkNode(config)) ? 0 : 1;
    if (sub === 'status') return printStatus(config);
    const stop = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
    log('info', 'node starting', { config: config.file, exchange: config.exchange.url, jobs: config.jobs.map((j) => j.name) });
    await runNode(config, { log, signal: stop.signal });
    log('info', 'node stopped');
    return 0;
  },
};
