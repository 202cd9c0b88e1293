/**
 * `npm test`: starts one PostgreSQL for the run (TEST_DATABASE_URL, testcontainers, or embedded),
 * migrates a template database, then runs every test file under node's test runner, each file
 * in its own process with its own database cloned from the template, two files at a time.
 * `npm test -- test/unit` (or any paths) runs a subset.
 *
 * A failing test must fail fast, never hang the run: every test has a time limit
 * (BRX_TEST_TIMEOUT_SECONDS, default 300; a test may set a shorter one; node's runner also holds
 * a file's tests together to it, and a Kafka file on a loaded machine can need two minutes), and a file whose
 * process is still running after BRX_TEST_FILE_TIMEOUT_SECONDS (default 600) is killed with its
 * whole process group and counted as failed. A file's output is printed when it ends, in one
 * piece, with a progress line per file.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { brokerEnv, startTestBroker, underFaketime } from './support/kafka-broker.ts';
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

function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return value;
}

interface FileResult {
  readonly file: string;
  readonly counts: Record<'tests' | 'pass' | 'fail' | 'skipped' | 'todo' | 'cancelled', number>;
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly seconds: number;
}

const roots = process.argv.slice(2);
const files = testFiles(roots.length ? roots : ['test']);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(' ')}`);
  process.exit(1);
}
const testTimeout = seconds('BRX_TEST_TIMEOUT_SECONDS', 300);
const fileTimeout = seconds('BRX_TEST_FILE_TIMEOUT_SECONDS', 600);
const concurrency = Math.max(1, Number(process.env.BRX_TEST_CONCURRENCY ?? 2));

const server = await startTestServer();
console.log(`test database: ${server.source}`);
const template = await createTemplate(server.adminUrl);
// a Kafka broker only for a run that has Kafka tests (KAFKA_BROKERS, testcontainers or Java)
const broker = files.some((f) => /kafka/.test(path.basename(f))) ? await startTestBroker() : null;
if (broker && 'missing' in broker && process.env.BRX_TEST_KAFKA_REQUIRED && !underFaketime()) throw new Error(`a Kafka broker is required: ${broker.missing}`);
if (broker) console.log(`test Kafka broker: ${'missing' in broker ? `none (${broker.missing}): the Kafka tests are skipped` : broker.source}`);
const env = {
  ...process.env,
  BRX_TEST_SERVER_URL: server.adminUrl,
  BRX_TEST_TEMPLATE: template,
  ...(broker && !('missing' in broker) ? brokerEnv(broker) : {}),
};

const children = new Set<number>();
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const pid of children) killGroup(pid, 'SIGKILL');
    process.exit(1);
  });
}

function runFile(file: string): Promise<FileResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    // its own process group, so a timeout also ends what the file started (servers, brx processes)
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${testTimeout * 1000}`, '--test-force-exit', file],
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child.pid!);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid!, 'SIGKILL');
    }, fileTimeout * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child.pid!);
      // whatever the file left behind in its group goes with it
      killGroup(child.pid!, 'SIGKILL');
      // a suite skipped whole (no Chromium, no broker) counts as one skipped: node reports it as no tests
      const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const counts = { tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: Math.max(count('skipped'), (output.match(/^\s*﹣ /gm) ?? []).length), todo: count('todo'), cancelled: count('cancelled') };
      process.stdout.write(`\n── ${file}\n${output}`);
      if (timedOut) process.stdout.write(`✖ ${file} was still running after ${fileTimeout} s and was killed\n`);
      resolve({ file, counts, exitCode: code ?? (signal ? 1 : 0), timedOut, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const results: FileResult[] = [];
let next = 0;
let done = 0;
const wallStarted = performance.now();
async function worker(): Promise<void> {
  while (next < files.length) {
    const file = files[next++]!;
    const r = await runFile(file);
    results.push(r);
    done += 1;
    const failed = r.exitCode !== 0 || r.timedOut;
    console.log(`[${done}/${files.length}] ${failed ? 'FAIL' : 'ok  '} ${file} (${r.counts.pass}/${r.counts.tests} passed, ${r.seconds.toFixed(1)} s)`);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));

await dropDatabase(server.adminUrl, template).catch(() => {});
await server.stop();
if (broker && !('missing' in broker)) await broker.stop();

const total = (k: keyof FileResult['counts']) => results.reduce((n, r) => n + r.counts[k], 0);
// a file that died or was killed without reporting a failure still fails the run
const brokenFiles = results.filter((r) => (r.exitCode !== 0 || r.timedOut) && r.counts.fail === 0);
const failed = total('fail') + total('cancelled') + brokenFiles.length;
console.log('');
for (const r of results.filter((r) => r.exitCode !== 0 || r.timedOut)) {
  console.log(`failed: ${r.file}${r.timedOut ? ' (killed: file time limit)' : ''}`);
}
console.log(`${files.length} files in ${((performance.now() - wallStarted) / 1000).toFixed(0)} s`);
console.log(`${total('pass')} passed, ${failed} failed, ${total('skipped')} skipped`);
process.exit(failed > 0 || results.some((r) => r.exitCode !== 0) ? 1 : 0);
