import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parsePublicKey } from '../../exchange/audit/audit-key.ts';
import { type CheckpointReport, checkCheckpoints } from '../../exchange/audit/checkpoint-check.ts';
import { parseCheckpoints } from '../../exchange/audit/checkpoints.ts';
import { type ChainReport, verifyChain } from '../../exchange/audit/verify.ts';
import { loadConfig } from '../../exchange/config.ts';
import type { AuditLog } from '../../exchange/db/schema.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import type { Command } from '../cli.ts';

const usage = 'Usage: brx audit verify [--log admin|access] [--checkpoints FILE [--public-key FILE] [--strict]] [--json]';

/** Progress on stderr for a long walk: the first report, then at most one a second. */
function progressLine(what: string): (checked: number, total: number) => void {
  let last = 0;
  return (checked, total) => {
    const now = performance.now();
    if (last !== 0 && now - last < 1000 && checked < total) return;
    last = now;
    process.stderr.write(`${what}: ${checked.toLocaleString('en')} of ${total.toLocaleString('en')} checked\n`);
  };
}

export const auditCommand: Command = {
  summary: 'Verify the tamper-evident audit logs and their signed checkpoints (brx audit verify)',
  help: `${usage}

Walks the hash chain of each audit log from its first entry and reports it intact with its
entry count, or names the sequence number of the first entry that was deleted, reordered or
changed. Progress goes to stderr on a long log.

  --checkpoints FILE   also check every signed checkpoint in FILE (the exchange's
                       BRX_AUDIT_CHECKPOINT_FILE, or GET /v1/audit/checkpoints): its signature,
                       and that the log still has the signed hash at the signed entry. A chain
                       recomputed after a checkpoint (an entry edited and every later hash made
                       to match, as a database superuser could) passes the walk but not this.
                       Each log with entries must have a checkpoint in FILE; for each the newest
                       one that holds is printed with the entries after it, which FILE does not
                       vouch for (a file cut short hides a rewrite of those). When that checkpoint
                       is more than three checkpoint intervals (BRX_AUDIT_CHECKPOINT_INTERVAL_SECONDS,
                       default 300) older than the log's last entry, a warning says so.
  --strict             that warning is a failure (exit 1): for a file just downloaded from a
                       running exchange, whose checkpointer should be current
  --public-key FILE    the audit public key (GET /v1/audit/public-key); default: derived from
                       BRX_AUDIT_KEY_FILE when this machine has it
  --log admin|access   one log only
  --json               the reports as one JSON document

Exits 0 when everything checked holds, 1 when something does not, 2 on a usage error.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        log: { type: 'string' },
        json: { type: 'boolean' },
        checkpoints: { type: 'string' },
        'public-key': { type: 'string' },
        strict: { type: 'boolean' },
      },
    });
    if (positionals[0] !== 'verify') {
      console.error(usage);
      return 2;
    }
    if (values.log && values.log !== 'admin' && values.log !== 'access') {
      console.error('--log must be admin or access');
      return 2;
    }
    if ((values['public-key'] || values.strict) && !values.checkpoints) {
      console.error(`${values.strict ? '--strict' : '--public-key'} goes with --checkpoints FILE`);
      return 2;
    }
    const config = loadConfig();
    let checkpoints: { text: string; key: ReturnType<typeof parsePublicKey> } | undefined;
    if (values.checkpoints) {
      const keyFile = values['public-key'] ?? config.auditKeyFile;
      if (!values['public-key'] && !existsSync(keyFile)) {
        console.error(`--public-key FILE is needed: there is no audit key at ${keyFile} (BRX_AUDIT_KEY_FILE) on this machine`);
        return 2;
      }
      try {
        checkpoints = { text: await readFile(values.checkpoints, 'utf8'), key: parsePublicKey(await readFile(keyFile, 'utf8')) };
      } catch (error) {
        console.error(`cannot read the checkpoints or the public key: ${(error as Error).message}`);
        return 2;
      }
    }
    const logs: AuditLog[] = values.log ? [values.log as AuditLog] : ['admin', 'access'];
    const runtime = await openRuntime(config, () => {}, { existing: true });
    try {
      const reports: ChainReport[] = [];
      for (const log of logs) reports.push(await verifyChain(runtime.db, log, { onProgress: progressLine(`${log} log`) }));
      let checked: CheckpointReport | undefined;
      if (checkpoints) {
        const parsed = parseCheckpoints(checkpoints.text);
        const mine = { ...parsed, checkpoints: parsed.checkpoints.filter((c) => logs.includes(c.checkpoint.log)) };
        // the checkpointer signs every interval a head moved: three intervals without one is more than a late tick
        const interval = config.auditCheckpointIntervalSeconds || 300;
        checked = await checkCheckpoints(runtime.db, mine, checkpoints.key, {
          onProgress: progressLine('checkpoints'),
          logs,
          staleAfterMs: 3 * interval * 1000,
          strict: values.strict === true,
        });
      }
      const intact = reports.every((r) => r.intact) && (checked?.intact ?? true);
      if (values.json) console.log(JSON.stringify({ intact, scope: 'full', logs: reports, ...(checked ? { checkpoints: checked } : {}) }));
      else {
        for (const r of reports) {
          console.log(
            r.intact
              ? `${r.log}: intact, ${r.entries} entries, head ${r.headHash}`
              : `${r.log}: BROKEN at entry ${r.firstBrokenSeq}: ${r.reason} (${r.entries} entries verified before it)`,
          );
        }
        if (checked) {
          console.log(
            checked.intact
              ? `checkpoints: all ${checked.checked} hold`
              : `checkpoints: BROKEN: ${checked.holding} of ${checked.checked} hold; ${checked.problemCount} problem${checked.problemCount === 1 ? '' : 's'}:`,
          );
          for (const p of checked.problems) {
            if (p.line === 0) console.log(`  ${p.log} log: ${p.reason}`);
            else console.log(`  line ${p.line}${p.log ? ` (${p.log} log, entry ${p.seq}, signed ${p.at})` : ''}: ${p.reason}`);
          }
          if (checked.problemCount > checked.problems.length) console.log(`  … and ${checked.problemCount - checked.problems.length} more`);
          for (const c of checked.coverage) {
            console.log(
              c.newest
                ? `checkpoints of the ${c.log} log: newest holding is entry ${c.newest.seq}, signed ${c.newest.at} (line ${c.newest.line}); ${c.after} of ${c.entries} entries after it${c.stale ? ' (STALE)' : ''}`
                : `checkpoints of the ${c.log} log: none holds; all ${c.entries} entries unanchored`,
            );
          }
          for (const w of checked.warnings) console.log(`warning: ${w}`);
        }
      }
      return intact ? 0 : 1;
    } finally {
      await runtime.close();
    }
  },
};
