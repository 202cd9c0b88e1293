import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { forgetCredentials } from '../../exchange/auth/store.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp, uniqueUscc } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});

const pem = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();

describe('departments', () => {
  it('builds the province › city › county tree and finds departments by name and parent', async () => {
    const province = await buildDepartment(t, { name: '江西省人民政府', level: 'province', regionCode: '360000' });
    const city = await buildDepartment(t, { name: '新余市人民政府', level: 'city', parentId: province.id });
    const bureau = await buildDepartment(t, { name: '新余市公安局', level: 'city', parentId: city.id });
    const county = await buildDepartment(t, { name: '渝水区人民政府', level: 'county', parentId: city.id });
    const children = await t.call(t.adminToken, { method: 'GET', url: `/v1/departments?parentId=${city.id}` });
    assert.deepEqual(
      children.json().items.map((d: { id: string }) => d.id).sort(),
      [bureau.id, county.id].sort(),
    );
    const byName = await t.call(t.adminToken, { method: 'GET', url: `/v1/departments?q=${encodeURIComponent('公安')}` });
    assert.deepEqual(byName.json().items.map((d: { name: string }) => d.name), ['新余市公安局']);
  });

  it('refuses a code with a wrong check character, naming the field', async () => {
    const good = uniqueUscc();
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const res = await t.call(t.adminToken, { method: 'POST', url: '/v1/departments', payload: { code: bad, name: 'x', level: 'city' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors.map((e: { pointer: string }) => e.pointer), ['/code']);
  });

  it('refuses a duplicate code (409), a county above a city, and a cycle in the tree', async () => {
    const city = await buildDepartment(t, { level: 'city' });
    const dup = await t.call(t.adminToken, { method: 'POST', url: '/v1/departments', payload: { code: city.code, name: 'dup', level: 'city' } });
    assert.equal(dup.statusCode, 409);
    const county = await buildDepartment(t, { level: 'county', parentId: city.id });
    const above = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/departments',
      payload: { code: uniqueUscc(), name: 'x', level: 'city', parentId: county.id },
    });
    assert.equal(above.statusCode, 400);
    assert.equal(above.json().errors[0].pointer, '/level');
    const cycle = await t.call(t.adminToken, { method: 'PATCH', url: `/v1/departments/${city.id}`, payload: { parentId: county.id } });
    assert.equal(cycle.statusCode, 400);
    assert.equal(cycle.json().errors[0].pointer, '/parentId');
  });

  it('only platform admins create departments', async () => {
    const dept = await buildDepartment(t);
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: dept.id }]);
    const res = await t.call(token, { method: 'POST', url: '/v1/departments', payload: { code: uniqueUscc(), name: 'x', level: 'city' } });
    assert.equal(res.statusCode, 403);
  });
});

describe('nodes and systems', () => {
  it("a dept_admin registers their own department's node and system but not another's (403)", async () => {
    const mine = await buildDepartment(t);
    const other = await buildDepartment(t);
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: mine.id }]);
    const node = await t.call(token, { method: 'POST', url: `/v1/departments/${mine.id}/nodes`, payload: { name: 'n1', publicKey: pem() } });
    assert.equal(node.statusCode, 201);
    assert.match(node.json().apiKey, /^brxn_/);
    assert.equal(node.json().node.liveKeys, 1);
    const system = await t.call(token, { method: 'POST', url: `/v1/departments/${mine.id}/systems`, payload: { name: 's1' } });
    assert.equal(system.statusCode, 201);
    for (const kind of ['nodes', 'systems']) {
      const res = await t.call(token, {
        method: 'POST',
        url: `/v1/departments/${other.id}/${kind}`,
        payload: { name: 'intruder', publicKey: pem() },
      });
      assert.equal(res.statusCode, 403, kind);
    }
    const list = await t.call(token, { method: 'GET', url: `/v1/departments/${other.id}/nodes` });
    assert.equal(list.statusCode, 403);
  });

  it("a department's approvers see its systems (they file requests for them), not its nodes nor another department's systems", async () => {
    const mine = await buildDepartment(t);
    const other = await buildDepartment(t);
    const system = await buildSystem(t, mine.id);
    await buildSystem(t, other.id);
    const { token } = await buildUser(t, [{ role: 'approver', departmentId: mine.id }]);
    const list = await t.call(token, { method: 'GET', url: `/v1/departments/${mine.id}/systems` });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items.map((s: { id: string }) => s.id), [system.system.id]);
    assert.ok(!list.body.includes(system.apiKey));
    assert.equal((await t.call(token, { method: 'GET', url: `/v1/departments/${mine.id}/systems/${system.system.id}` })).statusCode, 200);
    assert.equal((await t.call(token, { method: 'GET', url: `/v1/departments/${other.id}/systems` })).statusCode, 403);
    assert.equal((await t.call(token, { method: 'GET', url: `/v1/departments/${mine.id}/nodes` })).statusCode, 403);
    assert.equal((await t.call(token, { method: 'POST', url: `/v1/departments/${mine.id}/systems`, payload: { name: 'by-approver' } })).statusCode, 403);
  });

  it('never returns or stores an API key in clear after creation', async () => {
    const dept = await buildDepartment(t);
    const created = await buildSystem(t, dept.id);
    const got = await t.call(t.adminToken, { method: 'GET', url: `/v1/departments/${dept.id}/systems/${created.system.id}` });
    assert.ok(!got.body.includes(created.apiKey));
    const rows = await t.database.db.selectFrom('credentials').select('token_hash').where('system_id', '=', created.system.id).execute();
    assert.equal(rows.length, 1);
    assert.ok(!rows[0]!.token_hash.toString('latin1').includes(created.apiKey));
  });

  it('accepts a raw base64 Ed25519 key and refuses other keys, naming the field', async () => {
    const dept = await buildDepartment(t);
    const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    const ok = await t.call(t.adminToken, { method: 'POST', url: `/v1/departments/${dept.id}/nodes`, payload: { name: 'raw', publicKey: raw } });
    assert.equal(ok.statusCode, 201);
    assert.match(ok.json().node.publicKey, /BEGIN PUBLIC KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const bad = await t.call(t.adminToken, { method: 'POST', url: `/v1/departments/${dept.id}/nodes`, payload: { name: 'rsa', publicKey: rsa } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].pointer, '/publicKey');
    assert.match(bad.json().errors[0].message, /Ed25519/);
  });

  it('rotation keeps the old key for the grace time; revocation stops every key at once', async () => {
    const dept = await buildDepartment(t);
    const node = await buildNode(t, dept.id);
    const base = `/v1/departments/${dept.id}/nodes/${node.node.id}/keys`;
    const rotated = await t.call(t.adminToken, { method: 'POST', url: base, payload: { graceSeconds: 600 } });
    assert.equal(rotated.statusCode, 201);
    const fresh = rotated.json().apiKey;
    assert.equal((await t.call(node.apiKey, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200, 'old key within grace');
    assert.equal((await t.call(fresh, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200);

    const immediate = await t.call(t.adminToken, { method: 'POST', url: base, payload: { graceSeconds: 0 } });
    const newest = immediate.json().apiKey;
    assert.equal((await t.call(fresh, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401, 'grace 0 stops earlier keys');
    assert.equal((await t.call(newest, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200);

    const revoked = await t.call(t.adminToken, { method: 'DELETE', url: base });
    assert.equal(revoked.json().revoked, 1);
    assert.equal((await t.call(newest, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
  });
});

describe('people', () => {
  it('creates a person with a generated password shown once', async () => {
    const res = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/users',
      payload: { username: 'auditor.one', displayName: '审计员', roles: [{ role: 'auditor' }] },
    });
    assert.equal(res.statusCode, 201);
    const { password, user } = res.json();
    assert.equal(password.length, 20);
    await t.login('auditor.one', password);
    const again = await t.call(t.adminToken, { method: 'GET', url: `/v1/users/${user.id}` });
    assert.equal(again.json().password, undefined);
  });

  it('a dept_admin gives department roles in their department only', async () => {
    const dept = await buildDepartment(t);
    const other = await buildDepartment(t);
    const { token } = await buildUser(t, [{ role: 'dept_admin', departmentId: dept.id }]);
    const ok = await t.call(token, {
      method: 'POST',
      url: '/v1/users',
      payload: { username: `appr-${dept.id.slice(0, 8)}`, displayName: '审批人', roles: [{ role: 'approver', departmentId: dept.id }] },
    });
    assert.equal(ok.statusCode, 201);
    for (const roles of [[{ role: 'platform_admin' }], [{ role: 'approver', departmentId: other.id }]]) {
      const res = await t.call(token, {
        method: 'POST',
        url: '/v1/users',
        payload: { username: `x${Math.random().toString(36).slice(2, 10)}`, displayName: 'x', roles },
      });
      assert.equal(res.statusCode, 403, JSON.stringify(roles));
    }
    const list = await t.call(token, { method: 'GET', url: '/v1/users' });
    const names = list.json().items.map((u: { username: string }) => u.username);
    assert.ok(names.includes(`appr-${dept.id.slice(0, 8)}`));
    assert.ok(!names.includes('admin'), 'a dept_admin sees only their departments’ people');
  });

  it('refuses a department role without a department and a platform role with one', async () => {
    const dept = await buildDepartment(t);
    const res = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/users',
      payload: { username: 'badroles', displayName: 'x', roles: [{ role: 'approver' }, { role: 'auditor', departmentId: dept.id }] },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors.map((e: { pointer: string }) => e.pointer), ['/roles/0/departmentId', '/roles/1/departmentId']);
  });

  it('disabling a person ends their sessions; a password change needs the current password', async () => {
    const { user, token, password } = await buildUser(t, [{ role: 'auditor' }]);
    const wrong = await t.call(token, {
      method: 'POST',
      url: `/v1/users/${user.id}/password`,
      payload: { currentPassword: 'not-it', password: 'another-long-password' },
    });
    assert.equal(wrong.statusCode, 400);
    const changed = await t.call(token, {
      method: 'POST',
      url: `/v1/users/${user.id}/password`,
      payload: { currentPassword: password, password: 'another-long-password' },
    });
    assert.equal(changed.statusCode, 200);
    assert.equal((await t.call(token, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401, 'sessions end on password change');
    const token2 = await t.login(user.username, 'another-long-password');
    await t.call(t.adminToken, { method: 'PATCH', url: `/v1/users/${user.id}`, payload: { status: 'disabled' } });
    assert.equal((await t.call(token2, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
    const login = await t.call(null, { method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: 'another-long-password' } });
    assert.equal(login.statusCode, 401);
  });
});

describe('a node renewing its own keys', () => {
  it('gets a new API key and signing key; the old ones keep working for the overlap, then stop', async () => {
    const department = await buildDepartment(t);
    const node = await buildNode(t, department.id);
    const dataset = await buildDataset(t, department.id);
    const fresh = generateKeyPairSync('ed25519');
    const rotate = (token: string, body: object) => t.call(token, { method: 'POST', url: '/v1/nodes/self/keys', payload: body });

    const system = await buildSystem(t, department.id);
    assert.equal((await rotate(system.apiKey, {})).statusCode, 403, 'only a node renews its own keys');
    const res = await rotate(node.apiKey, { publicKey: fresh.publicKey.export({ format: 'pem', type: 'spki' }).toString(), graceSeconds: 600 });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().signingKeyRotated, true);
    const renewed = { apiKey: res.json().apiKey as string, privateKey: fresh.privateKey };

    // during the overlap: old and new API keys, old and new signing keys
    for (const [apiKey, privateKey, id] of [
      [node.apiKey, node.privateKey, 'old-old'],
      [renewed.apiKey, node.privateKey, 'new-old'],
      [renewed.apiKey, fresh.privateKey, 'new-new'],
    ] as const) {
      const sent = await sendBatch(t, { apiKey, privateKey }, dataset.code, { batchId: id, records: [upsert(licence())] });
      assert.equal(sent.statusCode, 200, `${id}: ${sent.body}`);
    }
    const admin = await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?action=node.signing-key.rotate` });
    assert.ok(admin.json().items.some((e: { targetId: string }) => e.targetId === node.node.id));

    // the overlap ends (on the database's clock, like every credential)
    await sql`update nodes set previous_key_until = now() - interval '1 second' where id = ${node.node.id}`.execute(t.database.db);
    await sql`update credentials set revoked_at = now() - interval '1 second' where node_id = ${node.node.id} and revoked_at is not null`.execute(t.database.db);
    forgetCredentials();
    assert.equal((await sendBatch(t, { apiKey: node.apiKey, privateKey: fresh.privateKey }, dataset.code, { batchId: 'old-key', records: [upsert(licence())] })).statusCode, 401);
    const oldSignature = await sendBatch(t, { apiKey: renewed.apiKey, privateKey: node.privateKey }, dataset.code, { batchId: 'old-signature', records: [upsert(licence())] });
    assert.equal(oldSignature.statusCode, 401);
    assert.match(oldSignature.json().detail, /does not verify/);
  });
});
