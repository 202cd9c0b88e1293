import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ensureFirstAdmin } from '../../exchange/bootstrap.ts';
import { loadConfig } from '../../exchange/config.ts';
import { seedDemo } from '../../exchange/demo.ts';
import { openRuntime } from '../../exchange/runtime.ts';
import { buildApp } from '../../exchange/server.ts';
import type { Command } from '../cli.ts';

export const serveCommand: Command = {
  summary: 'Start the exchange (embedded PostgreSQL unless DATABASE_URL is set)',
  help: `Usage: brx serve [--demo] [--host HOST] [--port PORT]

Starts the exchange: opens the database (DATABASE_URL, or an embedded PostgreSQL whose data
lives under BRX_HOME, default ./.brx, and survives restarts), applies migrations, creates the
first platform admin on an empty database, and listens on BRX_HOST:BRX_PORT
(default 127.0.0.1:8080).

  --demo         create demo departments, a node, a system and department admins on first start
  --host HOST    listen address (overrides BRX_HOST)
  --port PORT    listen port (overrides BRX_PORT)

The application connects as a database role of its own (BRX_DATABASE_APP_URL, or one brx
makes: BRX_DATABASE_APP_ROLE, default brx_app), never as a superuser or the tables' owner.
Signed audit checkpoints go to BRX_AUDIT_CHECKPOINT_FILE every
BRX_AUDIT_CHECKPOINT_INTERVAL_SECONDS (default 300) and at shutdown.

SIGTERM or SIGINT shut down in order: stop taking requests, finish those in flight, flush the
audit log, write the last audit checkpoint, close the database.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { demo: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' } },
    });
    const config = loadConfig({
      ...process.env,
      ...(values.host ? { BRX_HOST: values.host } : {}),
      ...(values.port ? { BRX_PORT: values.port } : {}),
    });
    const say = (m: string) => console.log(`brx: ${m}`);
    let app: FastifyInstance | null = null;
    const runtime = await openRuntime(config, say, {
      // the embedded database died and would not start again: a supervisor (systemd) takes over
      onFatal: (error) => {
        console.error(`brx: ${error.message}; exiting so that a supervisor can restart brx`);
        const closing = app ? app.close().catch(() => {}) : Promise.resolve();
        const exit = () => process.exit(1);
        void closing.then(exit);
        setTimeout(exit, 5_000).unref();
      },
    });
    const admin = await ensureFirstAdmin(runtime.db, config);
    const demo = values.demo ? await seedDemo(runtime.db, config.home) : null;
    try {
      app = await buildApp({ config, db: runtime.db, ownerDb: runtime.ownerDb });
    } catch (error) {
      // e.g. the wrong secret key file: say so and stop the embedded database, not hang
      await runtime.close();
      throw error;
    }
    const address = await app.listen({ host: config.host, port: config.port });

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        console.error('brx: forced exit');
        process.exit(1);
      }
      stopping = true;
      say(`${signal}: finishing requests in flight, flushing the audit log, writing an audit checkpoint`);
      try {
        await app!.close();
        await runtime.close();
        say('stopped');
        process.exit(0);
      } catch (error) {
        console.error('brx: shutdown failed', error);
        process.exit(1);
      }
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));

    const lines = [
      '',
      `brx is running at ${address}`,
      `  console     ${address}/   (web pages: sign in as "${admin.username}"${demo ? ', or as a demo person from the demo file below' : ''})`,
      `  database    ${runtime.embedded ? `embedded PostgreSQL (data in ${config.home}/postgres)` : 'DATABASE_URL'}, as role ${new URL(runtime.databaseUrl).username}`,
      `  audit       checkpoints in ${config.auditCheckpointFile}`,
      `  API docs    ${address}/docs   (OpenAPI: ${address}/openapi.json)`,
      `  health      ${address}/readyz   metrics: ${address}/metrics`,
    ];
    if (admin.created) {
      lines.push(`  admin       created platform admin "${admin.username}"`);
      if (admin.generatedPassword) lines.push(`  password    ${admin.generatedPassword}   (shown once: note it now)`);
    } else {
      lines.push(`  admin       "${admin.username}" exists (reset with: npx brx admin reset-password --username ${admin.username})`);
    }
    if (demo) lines.push(`  demo        ${demo.created ? 'created' : 'kept'}: department admins, node and system keys in ${demo.credentialsFile}`);
    lines.push(
      '',
      'Next steps:',
      `  TOKEN=$(curl -s ${address}/v1/auth/login -H 'content-type: application/json' \\`,
      `          -d '{"username":"${admin.username}","password":"<password>"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
      `  curl -s ${address}/v1/departments -H "authorization: Bearer $TOKEN"`,
      '',
    );
    console.log(lines.join('\n'));
    return await new Promise<number>(() => {});
  },
};
