import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../exchange/clock.ts';
import { oneAtATime } from '../../exchange/db/database.ts';
import { flagOfflineNodes, nodeSweepLock } from '../../exchange/identity/node-health.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { at } from '../support/cases.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { grant } from '../support/registries.ts';

/**
 * 前置机运行监控 and nodes acting for their department's systems, on the exchange's side: a node
 * reports, its department's admin sees it online, and when its beats stop it is flagged offline
 * and the admin is told once per outage.
 */
const clock = new ManualClock(at('2026-11-23'));
let t: TestApp;
let node: Awaited<ReturnType<typeof buildNode>>;
let head: string;
let otherHead: string;

const beat = (jobs: unknown[] = []) =>
  t.call(node.apiKey, { method: 'POST', url: '/v1/nodes/self/heartbeat', payload: { version: '0.1.0', startedAt: clock.now().toISOString(), intervalSeconds: 30, jobs } });
const status = async (token = head) => {
  const res = await t.call(token, { method: 'GET', url: `/v1/nodes/${node.node.id}/status` });
  return { code: res.statusCode, body: res.json() };
};
const sweep = () => oneAtATime(t.database.db, nodeSweepLock, (trx) => flagOfflineNodes(trx, clock.now()));
const offlineNotices = async () =>
  ((await t.call(head, { method: 'GET', url: '/v1/notifications' })).json().items as { kind: string }[]).filter((n) => n.kind === 'node_offline').length;

before(async () => {
  t = await startTestApp({}, { clock });
  const police = await buildDepartment(t, { name: '公安局' });
  const other = await buildDepartment(t, { name: '民政局' });
  node = await buildNode(t, police.id);
  head = (await buildUser(t, [{ role: 'dept_admin', departmentId: police.id }])).token;
  otherHead = (await buildUser(t, [{ role: 'dept_admin', departmentId: other.id }])).token;
});

describe('node heartbeats', () => {
  it('a node that has never reported is not online; one that reports is, with what it reported', async () => {
    assert.deepEqual((await status()).body.online, false);
    const job = { name: 'households', kind: 'postgres', dataset: 'x', state: 'backfill', spoolDepth: 1200, rowsPerSecond: 850.5, backfill: { read: 40_000, total: 1_000_000 }, lastSuccessAt: clock.now().toISOString(), lastError: null };
    assert.equal((await beat([job])).statusCode, 204);
    const { body } = await status();
    assert.equal(body.online, true);
    assert.equal(body.lastHeartbeatAt, clock.now().toISOString());
    assert.deepEqual(body.report.jobs, [job]);
    assert.equal((await status(otherHead)).code, 404, "another department's admin does not see it");
  });

  it('missing three beats flags it offline and tells its admins once; a beat brings it back, and the next outage is told again', async () => {
    const last = clock.now();
    clock.advance(89_000);
    assert.equal(await sweep(), 0, 'two missed beats are not an outage');
    assert.equal((await status()).body.online, true);
    clock.advance(2_000);
    assert.equal(await sweep(), 1);
    const { body } = await status();
    assert.equal(body.online, false);
    assert.equal(body.offlineSince, new Date(last.getTime() + 30_000).toISOString(), 'since the first missing beat was due');
    assert.equal(await offlineNotices(), 1);
    clock.advance(600_000);
    assert.equal(await sweep(), 0, 'one notice per outage');
    assert.equal(await offlineNotices(), 1);
    await beat();
    assert.equal((await status()).body.online, true);
    clock.advance(91_000);
    await sweep();
    assert.equal(await offlineNotices(), 2);
  });
});

describe('a node acting for a system of its department', () => {
  it('reads as the system, under its grants, and the access log names both', async () => {
    const provider = await buildDepartment(t, { name: '市场监管局' });
    const providerNode = await buildNode(t, provider.id);
    const dataset = await buildDataset(t, provider.id, { exchangeModes: ['pull', 'subscribe'] });
    const system = await buildSystem(t, node.node.departmentId);
    await grant(t, system.system.id, dataset.id, { fields: ['uscc', 'name'], modes: ['subscribe'], purpose: '企业开办' });
    const as = { 'x-brx-on-behalf-of': system.system.id };
    const created = await t.call(node.apiKey, { method: 'POST', url: '/v1/subscriptions', headers: as, payload: { dataset: dataset.code, delivery: 'pull' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().systemId, system.system.id);
    const firm = licence();
    assert.equal((await sendBatch(t, providerNode, dataset.code, { batchId: 'b1', records: [upsert(firm)] })).statusCode, 200);
    const events = await t.call(node.apiKey, { method: 'GET', url: `/v1/subscriptions/${created.json().id}/events`, headers: as });
    assert.equal(events.statusCode, 200, events.body);
    assert.deepEqual(Object.keys(events.json().events[0].data).sort(), ['name', 'uscc'], 'the granted fields only');
    const entry = await t.database.db.selectFrom('audit_access').select(['actor_kind', 'actor_id', 'query']).where('mode', '=', 'subscribe').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual({ ...entry, query: (entry.query as { viaNode: string }).viaNode }, { actor_kind: 'system', actor_id: system.system.id, query: node.node.id });
    const subscribed = await t.database.db.selectFrom('audit_admin').select('actor_name').where('action', '=', 'subscription.create').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    assert.equal(subscribed.actor_name, `${system.system.name} (via node ${node.node.name})`);
    // without the header the node is a node: it holds no grant
    assert.equal((await t.call(node.apiKey, { method: 'GET', url: `/v1/subscriptions/${created.json().id}/events` })).statusCode, 403);
    // another department's system, or a system naming a system: refused
    const foreign = await buildSystem(t, provider.id);
    assert.equal((await t.call(node.apiKey, { method: 'GET', url: '/v1/subscriptions', headers: { 'x-brx-on-behalf-of': foreign.system.id } })).statusCode, 403);
    assert.equal((await t.call(system.apiKey, { method: 'GET', url: '/v1/subscriptions', headers: as })).statusCode, 403);
  });
});
