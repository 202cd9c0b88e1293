import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SystemCreated } from '../../contracts/generated/api.ts';
import { dayOf, endOfDay } from '../../exchange/cases/calendar.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';
import { buildDepartment, buildSystem, buildUser, officer, startTestApp, type TestApp } from '../support/app.ts';
import { loopbackReceivers } from '../support/receiver.ts';
import { at, buildCaseWorld, type CaseWorld, fileRequest } from '../support/cases.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { instantBetween } from '../support/database.ts';
import { grant } from '../support/registries.ts';

/**
 * The read policy, one regression test per way around the grants that a review found: each
 * failed before the policy was made the only way data or a fact about data leaves brx.
 */
let t: TestApp;
let w: CaseWorld;
const clock = new ManualClock(at('2026-11-23'));
const inCounty = licence(undefined, { legalRepresentative: '张三' }); // 360502: 渝水区
const elsewhere = licence(composeUscc('9', '1', '360102', 'MA100001'), { legalRepresentative: '李四' }); // 360102: 南昌
let consumer: SystemCreated;

const pull = (key: string, query = '', token = consumer.apiKey, headers: Record<string, string | undefined> = {}) =>
  t.call(token, { method: 'GET', url: `/v1/datasets/${w.licences.code}/records/${key}${query}`, headers });
const publish = async (batchId: string, records: unknown[]) => {
  const res = await sendBatch(t, w.node, w.licences.code, { batchId, records });
  assert.equal(res.statusCode, 200, res.body);
};

before(async () => {
  t = await startTestApp({ ...loopbackReceivers }, { clock });
  w = await buildCaseWorld(t);
  await publish('seed', [upsert(inCounty), upsert(elsewhere)]);
  consumer = await buildSystem(t, w.hrss.id);
  await grant(t, consumer.system.id, w.licences.id, {
    fields: ['uscc', 'name', 'legalRepresentative', 'status'],
    modes: ['pull', 'subscribe'],
    purpose: '就业登记',
    row_filter: { field: 'uscc', prefix: '913605' },
  });
});

describe('out of scope ≡ absent ≡ deleted, for consumers', () => {
  it('regression: a deleted or asOf record outside the grant’s rows answered 200 with its offset; now the very 404 of a key that never existed', async () => {
    const gone = licence();
    const goneElsewhere = licence(composeUscc('9', '1', '360102', 'MA100002'));
    await publish('to-delete', [upsert(gone), upsert(goneElsewhere)]);
    // asOf is compared with commit times, which the database stamps
    const before = (await instantBetween(t.database.db)).toISOString();
    clock.advance(60_000);
    await publish('deleted', [{ op: 'delete', key: gone.uscc, sourceTime: clock.now().toISOString() }, { op: 'delete', key: goneElsewhere.uscc, sourceTime: clock.now().toISOString() }]);
    assert.equal((await pull(gone.uscc, `?asOf=${encodeURIComponent(before)}`)).statusCode, 200, 'as it stood before its deletion, within the rows');
    const answers = [
      await pull(gone.uscc),
      await pull(goneElsewhere.uscc),
      await pull(elsewhere.uscc),
      await pull(goneElsewhere.uscc, `?asOf=${encodeURIComponent(before)}`),
      await pull(composeUscc('9', '1', '360502', 'MA999999')),
    ];
    for (const res of answers) {
      assert.equal(res.statusCode, 404, res.body);
      assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'detail', 'errors', 'instance', 'requestId', 'status', 'title', 'type']);
      assert.match(res.json().detail, /has no record/);
    }
    const reasons = await t.database.db
      .selectFrom('audit_access')
      .select('query')
      .where('system_id', '=', consumer.system.id)
      .where('outcome', '=', 'not_found')
      .orderBy('seq')
      .execute();
    assert.deepEqual(reasons.map((r) => (r.query as { reason: string }).reason), ['deleted', 'deleted', 'out-of-scope', 'out-of-scope', 'absent'], 'the access log keeps what really happened');
    // the provider still sees its tombstones
    const own = await t.call(w.headA.token, { method: 'GET', url: `/v1/datasets/${w.licences.code}/records/${gone.uscc}` });
    assert.equal(own.statusCode, 200);
    assert.equal(own.json().deleted, true);
  });

  it('regression: an objection told existing keys from missing ones and re-announced the record each time; now it needs the data received, within the rows', async () => {
    const object = (token: string, key: string, system?: string) =>
      t.call(token, { method: 'POST', url: '/v1/objections', payload: { dataset: w.licences.code, key, field: 'legalRepresentative', claimedValue: '王五', evidence: '营业执照副本', ...(system ? { system } : {}) } });
    const verifier = await buildSystem(t, w.hrss.id);
    await grant(t, verifier.system.id, w.licences.id, { fields: ['uscc', 'legalRepresentative'], modes: ['verify'] });
    const noData = await object(verifier.apiKey, inCounty.uscc);
    assert.equal(noData.statusCode, 403, 'a verify grant receives no data to object to');
    const outside = await object(consumer.apiKey, elsewhere.uscc);
    const missing = await object(consumer.apiKey, composeUscc('9', '1', '360502', 'MA999998'));
    assert.equal(outside.statusCode, 404);
    assert.equal(missing.statusCode, 404);
    assert.equal(outside.json().detail.replace(/\S+$/, ''), missing.json().detail.replace(/\S+$/, ''));
    const head = await t.app.events.head(w.licences.id);
    assert.equal((await object(consumer.apiKey, inCounty.uscc)).statusCode, 201);
    assert.equal(await t.app.events.head(w.licences.id), head + 1, 'the first objection to the field is announced');
    assert.equal((await object(consumer.apiKey, inCounty.uscc)).statusCode, 201);
    assert.equal(await t.app.events.head(w.licences.id), head + 1, 'a second one to the same field is not');
  });
});

describe('daily quotas on every path', () => {
  it('regression: a subscription from the beginning delivered a whole dataset past records_per_day; now the rest waits for the next day, and the view says so', async () => {
    const d = await buildDataset(t, w.market.id, { name: '配额测试数据集' });
    const firms = Array.from({ length: 5 }, () => licence());
    const seeded = await sendBatch(t, w.node, d.code, { batchId: 'quota-seed', records: firms.map((f) => upsert(f)) });
    assert.equal(seeded.statusCode, 200, seeded.body);
    const s = await buildSystem(t, w.hrss.id);
    await grant(t, s.system.id, d.id, { fields: ['uscc', 'name'], modes: ['subscribe', 'file'], records_per_day: 2 });
    const sub = await t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: d.code, delivery: 'pull', start: 'beginning' } });
    assert.equal(sub.statusCode, 201, sub.body);
    const id = sub.json().id;
    const poll = async (ack = true) => {
      const res = await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${id}/events?limit=100&wait=5` });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      if (ack && body.events.length) assert.equal((await t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${id}/ack`, payload: body.next })).statusCode, 200);
      return body;
    };
    const unacknowledged = await poll(false);
    const first = await poll();
    assert.deepEqual(first.events, unacknowledged.events, 'a redelivery of what was not acknowledged');
    assert.equal(first.events.length, 2, 'is paid for once: the quota still had room for it');
    assert.ok(first.quotaRenewsAt, 'the batch says the rest waits');
    const waiting = await poll();
    assert.deepEqual(waiting.events, [], 'nothing more today, answered at once');
    const view = (await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${id}` })).json();
    assert.deepEqual(view.quota, { recordsPerDay: 2, usedToday: 2, waitingUntil: '2026-11-23T16:00:00.000Z' });

    clock.set(at('2026-11-24'));
    const next = await poll();
    assert.equal(next.events.length, 2);
    clock.set(at('2026-11-25'));
    const last = await poll();
    assert.deepEqual(last.events.map((e: { type: string }) => e.type), ['snapshot', 'marker'], 'the fifth record, then the marker: none was dropped');
    const keys = [...first.events, ...next.events, ...last.events].flatMap((e: { key?: string }) => (e.key ? [e.key] : []));
    assert.deepEqual(keys.sort(), firms.map((f) => f.uscc).sort());
  });

  it('webhooks wait for the quota too, instead of failing or skipping', async () => {
    const d = await buildDataset(t, w.market.id, { name: '推送配额数据集' });
    const s = await buildSystem(t, w.hrss.id);
    await grant(t, s.system.id, d.id, { fields: ['uscc', 'name'], modes: ['subscribe'], records_per_day: 1 });
    const sub = await t.call(s.apiKey, {
      method: 'POST',
      url: '/v1/subscriptions',
      payload: { dataset: d.code, delivery: 'webhook', url: 'http://127.0.0.1:9/never', secret: 'a-secret-of-sixteen+' },
    });
    assert.equal(sub.statusCode, 201, sub.body);
    const seeded = await sendBatch(t, w.node, d.code, { batchId: 'hook-seed', records: [upsert(licence()), upsert(licence())] });
    assert.equal(seeded.statusCode, 200);
    const today = dayOf(clock.now());
    const g = await t.database.db.selectFrom('grants').select('id').where('system_id', '=', s.system.id).executeTakeFirstOrThrow();
    await t.database.db.insertInto('grant_usage').values({ grant_id: g.id, day: today, records: 1 }).execute();
    assert.equal(await deliverWebhooks(t.app), 0, 'nothing is posted once the day’s quota is spent');
    const view = (await t.call(s.apiKey, { method: 'GET', url: `/v1/subscriptions/${sub.json().id}` })).json();
    assert.equal(view.position.offset, 0, 'the events wait where they are');
    assert.equal(view.nextAttemptAt, new Date(endOfDay(today).getTime() + 1).toISOString(), 'and are tried again when the quota renews');
    assert.equal(view.attempts, 0, 'a spent quota is not a failure');
  });
});

describe('the grant that applies', () => {
  it('regression: with several live grants the first row in no order applied; now the latest decision does, every time', async () => {
    const s = await buildSystem(t, w.hrss.id);
    await grant(t, s.system.id, w.licences.id, { fields: ['uscc', 'name'], modes: ['pull'], valid_from: new Date(clock.now().getTime() - 86_400_000) });
    await grant(t, s.system.id, w.licences.id, { fields: ['uscc', 'status'], modes: ['pull'], valid_from: new Date(clock.now().getTime() - 3_600_000) });
    await grant(t, s.system.id, w.licences.id, { fields: ['uscc', 'name', 'status'], modes: ['pull'], valid_from: new Date(clock.now().getTime() + 86_400_000) });
    for (let i = 0; i < 5; i++) {
      const res = await pull(inCounty.uscc, '', s.apiKey);
      assert.deepEqual(Object.keys(res.json().data).sort(), ['status', 'uscc']);
    }
  });
});

describe('bulk needs a person’s decision', () => {
  it('regression: an unconditional dataset granted pull and export on the spot; now the file mode waits for the provider, and export needs it', async () => {
    const open = await buildDataset(t, w.market.id, { name: '营业执照公示信息（批量）', sharingType: 'unconditional', exchangeModes: ['pull', 'file'], contacts: { primary: w.approverA.user.id } });
    const c = await fileRequest(t, w.system.apiKey, { datasets: [{ code: open.code, fields: ['uscc', 'name', 'status'] }], modes: ['pull', 'file'] });
    assert.equal(c.parts[0]!.state, 'pending', 'nothing granted before a person decides');
    assert.equal(c.parts[0]!.grantId ?? null, null);
    const keyed = await fileRequest(t, w.system.apiKey, { datasets: [{ code: open.code, fields: ['uscc', 'name', 'status'] }], modes: ['pull'] });
    assert.equal(keyed.parts[0]!.state, 'approved', 'keyed reads of unconditional items are still granted at once');

    const s = await buildSystem(t, w.hrss.id);
    await grant(t, s.system.id, w.licences.id, { fields: ['uscc', 'name'], modes: ['pull'] });
    const exported = await t.call(s.apiKey, { method: 'GET', url: `/v1/datasets/${w.licences.code}/export` });
    assert.equal(exported.statusCode, 403);
    assert.match(exported.json().detail, /file mode/);
    await grant(t, s.system.id, w.licences.id, { fields: ['uscc', 'name'], modes: ['subscribe'] });
    const subscribe = (body: object) => t.call(s.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: w.licences.code, delivery: 'pull', ...body } });
    assert.equal((await subscribe({ start: 'beginning' })).statusCode, 403, 'a subscription from the beginning is a copy too');
    assert.equal((await subscribe({ start: 'offset', offset: 0 })).statusCode, 403, 'and so is the history from the first event');
    const now = await subscribe({ start: 'now' });
    assert.equal(now.statusCode, 201);
    const replay = await t.call(s.apiKey, { method: 'POST', url: `/v1/subscriptions/${now.json().id}/replay`, payload: { offset: 0 } });
    assert.equal(replay.statusCode, 403, 'replaying from before the subscription began copies history');
  });

  it('regression: a registry was published unconditional with no contacts; now its owner states both', async () => {
    const bureau = await buildDepartment(t, { name: '某市大数据中心' });
    const silent = await t.call(t.adminToken, { method: 'POST', url: '/v1/registries', payload: { kind: 'population', providerDepartmentId: bureau.id } });
    assert.equal(silent.statusCode, 400);
    assert.deepEqual(silent.json().errors.map((e: { pointer: string }) => e.pointer).sort(), ['/contacts', '/sharingType']);
  });
});

describe('the official behind a system’s read (X-Operator)', () => {
  it('regression: it was optional and unchecked; now a read of personal data needs a valid ID number or a person of the system’s department', async () => {
    const missing = await pull(inCounty.uscc, '', consumer.apiKey, { 'x-operator': undefined });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors[0], { in: 'headers', pointer: '/x-operator', message: 'required for reads of personal data: an ID number, or the username of a person of your department' });
    const badCheck = await pull(inCounty.uscc, '', consumer.apiKey, { 'x-operator': officer.slice(0, 17) + (officer.endsWith('5') ? '6' : '5') });
    assert.match(badCheck.json().errors[0].message, /check character/);
    assert.equal((await pull(inCounty.uscc, '', consumer.apiKey, { 'x-operator': 'nobody' })).statusCode, 400);
    assert.equal((await pull(inCounty.uscc, '', consumer.apiKey, { 'x-operator': w.consumer.user.username })).statusCode, 200, 'a person of the department');
    assert.equal((await pull(inCounty.uscc, '', consumer.apiKey, { 'x-operator': w.approverA.user.username })).statusCode, 400, 'a person of another department');
    const publicOnly = await buildSystem(t, w.hrss.id);
    await grant(t, publicOnly.system.id, w.licences.id, { fields: ['uscc', 'name', 'status'], modes: ['pull'] });
    assert.equal((await pull(inCounty.uscc, '', publicOnly.apiKey, { 'x-operator': undefined })).statusCode, 200, 'not needed for public fields');
    const entries = await t.database.db.selectFrom('audit_access').select(['outcome', 'operator']).where('system_id', '=', consumer.system.id).where('mode', '=', 'pull').orderBy('seq', 'desc').limit(2).execute();
    assert.deepEqual(entries.map((e) => [e.outcome, e.operator]), [['denied', w.approverA.user.username], ['ok', w.consumer.user.username]]);
  });
});

describe('people see their own department only', () => {
  it('regression: another department’s people read a department’s staff absences', async () => {
    const created = await t.call(w.headA.token, { method: 'POST', url: `/v1/users/${w.approverA.user.id}/absences`, payload: { from: '2026-12-01', until: '2026-12-05', reason: '年休假' } });
    assert.equal(created.statusCode, 201, created.body);
    const url = `/v1/users/${w.approverA.user.id}/absences`;
    assert.equal((await t.call(w.backupA.token, { method: 'GET', url })).statusCode, 200, 'a colleague of the same department');
    assert.equal((await t.call(w.approverB.token, { method: 'GET', url })).statusCode, 404);
    assert.equal((await t.call(w.outsider.token, { method: 'GET', url })).statusCode, 404);
  });

  it('regression: a person without a department role saw every department’s data-quality issues, unaudited; and a person may not be left without a role', async () => {
    const noRoles = await t.call(t.adminToken, { method: 'POST', url: '/v1/users', payload: { username: 'nobody-at-all', displayName: '无角色', password: 'a-long-enough-password', roles: [] } });
    assert.equal(noRoles.statusCode, 400);
    const auditor = await buildUser(t, [{ role: 'auditor' }]);
    const seen = await t.call(auditor.token, { method: 'GET', url: '/v1/quality/issues' });
    assert.equal(seen.statusCode, 200);
    const logged = await t.database.db.selectFrom('audit_access').select(['mode', 'outcome']).where('actor_id', '=', auditor.user.id).execute();
    assert.deepEqual(logged, [{ mode: 'quality', outcome: 'ok' }], 'reading quality issues is an audited read');
    const other = await buildUser(t, [{ role: 'approver', departmentId: (await buildDepartment(t)).id }]);
    await t.database.db.deleteFrom('user_roles').where('user_id', '=', other.user.id).execute();
    assert.equal((await t.call(other.token, { method: 'GET', url: '/v1/quality/issues' })).statusCode, 403, 'roleless (as left by an old version) sees nothing');
  });
});
