import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { before, describe, it } from 'node:test';
import { secretHash } from '../../exchange/auth/secrets.ts';
import { adminPassword, buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ BRX_LOGIN_MAX_FAILURES: '3' });
});

describe('login', () => {
  it('returns an expiring bearer token that identifies the person', async () => {
    const res = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: adminPassword } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.match(body.token, /^brxs_/);
    const ttl = Date.parse(body.expiresAt) - Date.now();
    assert.ok(ttl > 7 * 3600_000 && ttl <= 8 * 3600_000, `ttl ${ttl}`);
    const me = await t.call(body.token, { method: 'GET', url: '/v1/auth/me' });
    assert.equal(me.json().username, 'admin');
    assert.deepEqual(me.json().roles, [{ role: 'platform_admin', departmentId: null }]);
  });

  it('gives the same 401 for a wrong password and an unknown username', async () => {
    const wrong = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: 'nope' } });
    const unknown = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: 'ghost', password: 'nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().detail, unknown.json().detail);
    // a success clears the count, so the admin is not throttled by the failure above
    await t.login('admin', adminPassword);
  });

  it('throttles a username after repeated failures, even with the right password', async () => {
    const { user, password } = await buildUser(t, [{ role: 'auditor' }]);
    for (let i = 0; i < 3; i++) {
      const res = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: 'wrong' } });
      assert.equal(res.statusCode, 401);
    }
    const locked = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password } });
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    assert.equal(locked.json().code, 'BRX_ERR_THROTTLED');
    await t.database.db.deleteFrom('login_throttle').execute(); // the lock expires; do not wait for it
    assert.equal(
      (await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password } })).statusCode,
      200,
    );
  });

  it('logout revokes the token at once', async () => {
    const token = await t.login('admin', adminPassword);
    assert.equal((await t.call(token, { method: 'POST', url: '/v1/auth/logout' })).statusCode, 204);
    assert.equal((await t.call(token, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
  });

  it('an expired session is refused', async () => {
    const token = await t.login('admin', adminPassword);
    await t.database.db
      .updateTable('credentials')
      // credentials run on the database's clock
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('token_hash', '=', secretHash(token))
      .execute();
    const res = await t.call(token, { method: 'GET', url: '/v1/auth/me' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="brx"');
  });
});

describe('deny by default', () => {
  it('every /v1 route except login answers 401 problem+json without credentials', async () => {
    const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).json();
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!path.startsWith('/v1') || path === '/v1/auth/login') continue;
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await t.call(null, { method: method.toUpperCase() as 'GET', url, payload: {} });
        assert.equal(res.statusCode, 401, `${method} ${path}`);
        assert.match(res.headers['content-type'] as string, /problem\+json/);
        checked += 1;
      }
    }
    assert.ok(checked >= 20);
  });

  it('refuses a made-up bearer token', async () => {
    const res = await t.call('brxs_not-a-real-token', { method: 'GET', url: '/v1/departments' });
    assert.equal(res.statusCode, 401);
  });

  it('machines authenticate with their API keys; a disabled machine or suspended department is refused', async () => {
    const dept = await buildDepartment(t);
    const node = await buildNode(t, dept.id);
    const system = await buildSystem(t, dept.id);
    const me = await t.call(node.apiKey, { method: 'GET', url: '/v1/auth/me' });
    assert.deepEqual(
      { kind: me.json().kind, departmentId: me.json().departmentId },
      { kind: 'node', departmentId: dept.id },
    );
    assert.equal((await t.call(system.apiKey, { method: 'GET', url: '/v1/auth/me' })).json().kind, 'system');

    await t.call(t.adminToken, {
      method: 'PATCH',
      url: `/v1/departments/${dept.id}/systems/${system.system.id}`,
      payload: { status: 'disabled' },
    });
    assert.equal((await t.call(system.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);

    await t.call(t.adminToken, { method: 'PATCH', url: `/v1/departments/${dept.id}`, payload: { status: 'suspended' } });
    assert.equal((await t.call(node.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
  });

  it('a machine key revoked by another exchange process stops working within BRX_AUTH_CACHE_SECONDS', async () => {
    const quick = await startTestApp({ BRX_AUTH_CACHE_SECONDS: '1' });
    const dept = await buildDepartment(quick);
    const system = await buildSystem(quick, dept.id);
    assert.equal((await quick.call(system.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200);
    // what another process's revocation looks like to this one: the row changes, nothing is said
    await quick.database.db.updateTable('credentials').set({ revoked_at: sql<Date>`now()` }).where('system_id', '=', system.system.id).execute();
    assert.equal((await quick.call(system.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200, 'still cached');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await quick.call(system.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
  });

  it('a machine cannot use admin routes (403)', async () => {
    const dept = await buildDepartment(t);
    const system = await buildSystem(t, dept.id);
    const res = await t.call(system.apiKey, { method: 'GET', url: '/v1/users' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'BRX_ERR_FORBIDDEN');
  });
});
