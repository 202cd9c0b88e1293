import { parseArgs } from 'node:util';
import { verifyChain } from '../../exchange/audit/verify.ts';
import { loadConfig } from '../../exchange/config.ts';
import type { AuditLog } from '../../exchange/db/schema.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import type { Command } from '../cli.ts';

export const auditCommand: Command = {
  summary: 'Verify the tamper-evident audit logs (brx audit verify)',
  help: `Usage: brx audit verify [--log admin|access] [--json]

Walks the hash chain of each audit log and reports it intact with its entry count, or names
the sequence number of the first entry that was deleted, reordered or changed.
Exits 0 when every checked log is intact, 1 when one is broken.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { log: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals[0] !== 'verify') {
      console.error('Usage: brx audit verify [--log admin|access] [--json]');
      return 2;
    }
    if (values.log && values.log !== 'admin' && values.log !== 'access') {
      console.error('--log must be admin or access');
      return 2;
    }
    const logs: AuditLog[] = values.log ? [values.log as AuditLog] : ['admin', 'access'];
    const runtime = await openRuntime(loadConfig(), () => {});
    try {
      const reports = [];
      for (const log of logs) reports.push(await verifyChain(runtime.db, log));
      if (values.json) console.log(JSON.stringify({ intact: reports.every((r) => r.intact), logs: reports }));
      else {
        for (const r of reports) {
          console.log(
            r.intact
              ? `${r.log}: intact, ${r.entries} entries, head ${r.headHash}`
              : `${r.log}: BROKEN at entry ${r.firstBrokenSeq}: ${r.reason} (${r.entries} entries verified before it)`,
          );
        }
      }
      return reports.every((r) => r.intact) ? 0 : 1;
    } finally {
      await runtime.close();
    }
  },
};
