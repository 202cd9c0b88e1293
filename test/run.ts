/**
 * `npm test`: starts one PostgreSQL for the run (TEST_DATABASE_URL, testcontainers, or embedded),
 * migrates a template database, then runs every test file under node's test runner, each file
 * in its own process with its own database cloned from the template.
 * `npm test -- test/unit` (or any paths) runs a subset.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createTemplate, dropDatabase, startTestServer } from './support/postgres.ts';

function testFiles(roots: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(path.join(p, entry));
    } else if (p.endsWith('.test.ts')) out.push(p);
  };
  for (const root of roots) walk(root);
  return out;
}

const roots = process.argv.slice(2);
const files = testFiles(roots.length ? roots : ['test']);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(' ')}`);
  process.exit(1);
}

const server = await startTestServer();
console.log(`test database: ${server.source}`);
const template = await createTemplate(server.adminUrl);

const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
    {
      stdio: 'inherit',
      env: { ...process.env, BRX_TEST_SERVER_URL: server.adminUrl, BRX_TEST_TEMPLATE: template },
    },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});

await dropDatabase(server.adminUrl, template).catch(() => {});
await server.stop();
process.exit(code);
