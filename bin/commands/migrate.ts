import { loadConfig } from '../../exchange/config.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import type { Command } from '../cli.ts';

export const migrateCommand: Command = {
  summary: 'Apply database migrations (serve does this too)',
  help: `Usage: brx migrate

Applies every migration in migrations/ that the database has not seen, in order, each in its
own transaction, as the owner (DATABASE_URL's user, or the embedded superuser), then grants the
application role what the tables need. Uses DATABASE_URL, or the embedded PostgreSQL under
BRX_HOME when it is unset.`,
  async run() {
    const runtime = await openRuntime(loadConfig(), (m) => console.log(m));
    try {
      console.log(runtime.applied.length ? `applied: ${runtime.applied.join(', ')}` : 'the database is up to date');
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
