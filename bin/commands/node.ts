import { access, constants } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../adapters/node/config.ts';
import { contractCheck } from '../../adapters/node/contract.ts';
import { ExchangeClient } from '../../adapters/node/exchange-client.ts';
import { writeKeyPair } from '../../adapters/node/keys.ts';
import { runNode } from '../../adapters/node/run.ts';
import type { Command } from '../cli.ts';

const usage = `Usage: brx node keygen [--out DIR]
       brx node check --config node.yaml
       brx node run --config node.yaml

The front-end node (前置机) of a department: it takes the department's files in, checks each row
against the dataset's contract, keeps good rows in a durable spool, and sends them to the
exchange in signed batches; bad rows go to an error report beside the file.

  keygen   write an Ed25519 key pair (node-key.pem, 0600, and node-key.pub.pem) and print the
           public key to register with the exchange
  check    validate the configuration, reach the exchange, fetch each job's contract
  run      run the jobs until SIGTERM/SIGINT`;

/** A JSON line per event: the node's log, without personal data (rows are counted, never shown). */
function log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}

export const nodeCommand: Command = {
  summary: 'The front-end node (前置机): keygen, check, run',
  help: usage,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, out: { type: 'string' } } });
    const sub = positionals[0];
    if (sub === 'keygen') {
      const keys = await writeKeyPair(values.out ?? '.');
      console.log(`private key: ${keys.privateKeyFile} (keep it on this machine)\npublic key:  ${keys.publicKeyFile} — register it with the exchange:\n\n${keys.publicKey}`);
      return 0;
    }
    if ((sub !== 'check' && sub !== 'run') || !values.config) {
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
    if (sub === 'check') {
      const client = new ExchangeClient(config.exchange.url, config.apiKey, config.privateKeyPem, 15_000);
      let ok = true;
      for (const job of config.jobs) {
        try {
          // the node moves processed files to done/ and failed/: it must be able to write there
          await access(job.source.folder, constants.R_OK | constants.W_OK).catch(() => {
            throw new Error(`cannot read and write the drop folder ${job.source.folder}`);
          });
          const contract = contractCheck(await client.dataset(job.dataset));
          console.log(`job ${job.name}: dataset ${job.dataset}, contract ${contract.version}, key ${contract.keyField}, files from ${job.source.folder}`);
        } catch (error) {
          ok = false;
          console.error(`job ${job.name}: ${(error as Error).message}`);
        }
      }
      return ok ? 0 : 1;
    }
    const stop = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
    log('info', 'node starting', { config: config.file, exchange: config.exchange.url, jobs: config.jobs.map((j) => j.name) });
    await runNode(config, { log, signal: stop.signal });
    log('info', 'node stopped');
    return 0;
  },
};
