import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { brxHome, serve } from '../support/serve.ts';

describe('brx serve on the embedded default', () => {
  it('starts, prints the admin password once, keeps its data across restarts, and stops cleanly on SIGTERM', async () => {
    const home = await brxHome();
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
