import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../exchange/db/embedded.ts';

/** `brx serve --demo` as a user starts it: embedded PostgreSQL, a real port, real signals. */
interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  stop(): Promise<number | null>;
}

async function serve(home: string): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/brx.js', 'serve', '--demo'], {
    env: { ...process.env, BRX_HOME: home, BRX_PORT: String(port), BRX_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`brx serve exited: ${out}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
    if (ready === 200 && out.includes('Next steps')) break;
    if (Date.now() > deadline) throw new Error(`not ready within 60 s: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

const homes: string[] = [];
after(async () => {
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

describe('brx serve on the embedded default', () => {
  it('starts, prints the admin password once, keeps its data across restarts, and stops cleanly on SIGTERM', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'brx-e2e-'));
    homes.push(home);
    await chmod(home, 0o755); // as root, PostgreSQL runs as the `postgres` user, who must reach the data
    const first = await serve(home);
    const password = /password\s+(\S+)\s+\(shown once/.exec(first.output())?.[1];
    assert.ok(password, first.output());
    const login = await fetch(`${first.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const departments = (await (
      await fetch(`${first.url}/v1/departments`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: { name: string }[] };
    const names = departments.items.map((d) => d.name);
    for (const name of ['新余市人民政府', '新余市公安局', '新余市市场监督管理局', '新余市民政局', '新余市人力资源和社会保障局', '新余市卫生健康委员会']) {
      assert.ok(names.includes(name), name);
    }
    const credentials = JSON.parse(await readFile(path.join(home, 'demo-credentials.json'), 'utf8'));
    const me = await fetch(`${first.url}/v1/auth/me`, { headers: { authorization: `Bearer ${credentials.node.apiKey}` } });
    assert.equal(((await me.json()) as { kind: string }).kind, 'node');
    assert.equal(await first.stop(), 0);
    assert.match(first.output(), /stopped/);

    const second = await serve(home);
    assert.doesNotMatch(second.output(), /shown once/);
    assert.match(second.output(), /"admin" exists/);
    const again = await fetch(`${second.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(again.status, 200, 'the first start’s data, password included, survived');
    assert.equal(await second.stop(), 0);
  });
});
