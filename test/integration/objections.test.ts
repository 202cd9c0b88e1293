import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../exchange/clock.ts';
import { verifyWebhook } from '../../exchange/delivery/webhook.ts';
import { deliverNotifications } from '../../exchange/notifications/outbox.ts';
import { buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { loopbackReceivers } from '../support/receiver.ts';
import { act, acted, at, buildCaseWorld, type CaseWorld, fileRequest } from '../support/cases.ts';
import { licence, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';

let t: TestApp;
let w: CaseWorld;
const clock = new ManualClock(at('2026-11-23'));
const firm = licence(undefined, { legalRepresentative: '张三' });

/** A consuming system granted pull on the licences (through a real request and decision). */
async function grantedSystem(system = w.system): Promise<{ grantId: string }> {
  const c = await fileRequest(t, system.apiKey, { datasets: [{ code: w.licences.code, fields: ['uscc', 'name', 'legalRepresentative', 'status'] }] });
  await acted(t, w.approverA.token, c.trackingNo, { action: 'accept' });
  const done = await acted(t, w.approverA.token, c.trackingNo, { action: 'decide', outcome: 'approve', maskedFields: ['legalRepresentative'] });
  return { grantId: done.parts[0]!.grantId! };
}

const read = (key: string, token = w.system.apiKey) => t.call(token, { method: 'GET', url: `/v1/datasets/${w.licences.code}/records/${key}` });
const events = async () => t.app.events.read(w.licences.id, 0, 1000);

before(async () => {
  t = await startTestApp({ ...loopbackReceivers }, { clock });
  w = await buildCaseWorld(t);
  const res = await sendBatch(t, w.node, w.licences.code, { batchId: 'seed', records: [upsert(firm)] });
  assert.equal(res.statusCode, 200, res.body);
});

describe('grants', () => {
  it('serve the granted fields, masked as decided, and a revoked grant is refused on the next read', async () => {
    const { grantId } = await grantedSystem();
    const ok = await read(firm.uscc);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().data.legalRepresentative, '张*');
    assert.equal(ok.json().data.registeredCapital, undefined, 'not asked for, not served');

    const outsider = await t.call(w.approverB.token, { method: 'POST', url: `/v1/grants/${grantId}/revoke`, payload: { reason: '越权' } });
    assert.equal(outsider.statusCode, 403, 'only the provider revokes');
    const revoked = await t.call(w.approverA.token, { method: 'POST', url: `/v1/grants/${grantId}/revoke`, payload: { reason: '核查发现超范围使用' } });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.json().status, 'revoked');
    const refused = await read(firm.uscc);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /revoked: 核查发现超范围使用/);
    const audit = await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?action=grant.revoke` });
    assert.ok(audit.json().items.some((e: { targetId: string }) => e.targetId === grantId));
  });

  it('expire on their own', async () => {
    const other = await buildSystem(t, w.hrss.id);
    await grantedSystem(other);
    assert.equal((await read(firm.uscc, other.apiKey)).statusCode, 200);
    clock.set(new Date(clock.now().getTime() + 366 * 86_400_000));
    try {
      const expired = await read(firm.uscc, other.apiKey);
      assert.equal(expired.statusCode, 403);
      assert.match(expired.json().detail, /expired/);
    } finally {
      clock.set(at('2026-11-23'));
    }
  });
});

describe('an objection (数据异议)', () => {
  it('flags the record in reads and events while it is checked, and clears the flag with the correction', async () => {
    await grantedSystem();
    const res = await t.call(w.system.apiKey, {
      method: 'POST',
      url: '/v1/objections',
      payload: { dataset: w.licences.code, key: firm.uscc, field: 'legalRepresentative', claimedValue: '李四', evidence: '2026年10月已变更法定代表人，见变更登记通知书', attachments: [{ name: '变更通知书.pdf', sha256: 'b'.repeat(64) }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    const objection = res.json();
    assert.match(objection.trackingNo, /^YY-20261123-\d{6}$/);
    assert.equal(objection.objection.claimedValue, '李四');
    assert.equal(objection.dueOn, '2026-12-07');

    const flagged = await read(firm.uscc);
    assert.equal(flagged.statusCode, 200, 'the record keeps being served');
    assert.deepEqual(flagged.json().dispute, [{ case: objection.trackingNo, field: 'legalRepresentative' }]);
    const announced = (await events()).at(-1)!;
    assert.equal(announced.key, firm.uscc);
    assert.deepEqual(announced.dispute, [{ case: objection.trackingNo, field: 'legalRepresentative' }]);

    await acted(t, w.approverA.token, objection.trackingNo, { action: 'accept' });
    const tooEarly = await act(t, w.approverA.token, objection.trackingNo, { action: 'correct' });
    assert.equal(tooEarly.statusCode, 409);
    assert.match(tooEarly.json().detail, /Publish the corrected record first/);

    const fix = await sendBatch(t, w.node, w.licences.code, { batchId: 'fix', records: [upsert({ ...firm, legalRepresentative: '李四' })] });
    assert.equal(fix.statusCode, 200, fix.body);
    const fixEvent = (await events()).at(-1)!;
    assert.equal(fixEvent.batchId, 'fix');
    assert.deepEqual(fixEvent.dispute, [{ case: objection.trackingNo, field: 'legalRepresentative' }], 'still open until the provider answers');

    const corrected = await acted(t, w.approverA.token, objection.trackingNo, { action: 'correct', note: '已按变更登记更正' });
    assert.equal(corrected.state, 'corrected');
    assert.ok(corrected.closedAt);
    const clear = await read(firm.uscc);
    assert.equal(clear.json().dispute, null);
    assert.equal(clear.json().data.legalRepresentative, '李*');
    const last = (await events()).at(-1)!;
    assert.equal(last.dispute, null);
    assert.equal((last.data as { legalRepresentative: string }).legalRepresentative, '李四');
  });

  it('is rejected with a reason, which also clears the flag', async () => {
    const res = await t.call(w.system.apiKey, {
      method: 'POST',
      url: '/v1/objections',
      payload: { dataset: w.licences.code, key: firm.uscc.toLowerCase(), field: 'status', claimedValue: 'revoked', evidence: '听说已吊销' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const no = res.json().trackingNo;
    await acted(t, w.approverA.token, no, { action: 'accept' });
    const missing = await act(t, w.approverA.token, no, { action: 'reject' });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors.map((e: { pointer: string }) => e.pointer), ['/reason', '/legalBasis']);
    const rejected = await acted(t, w.approverA.token, no, { action: 'reject', reason: '登记状态为存续，无吊销记录', legalBasis: '《市场主体登记管理条例》' });
    assert.equal(rejected.state, 'rejected');
    assert.equal((await read(firm.uscc)).json().dispute, null);
  });

  it('needs data the system actually receives', async () => {
    const stranger = await buildSystem(t, w.hrss.id);
    const res = await t.call(stranger.apiKey, {
      method: 'POST',
      url: '/v1/objections',
      payload: { dataset: w.licences.code, key: firm.uscc, field: 'name', claimedValue: 'x', evidence: 'y' },
    });
    assert.equal(res.statusCode, 403);
  });
});

describe('webhook notifications', () => {
  it('are signed, retried with backoff while the receiver fails, and delivered once it recovers', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let failures = 2;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (failures-- > 0) {
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onFileEnd(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const secret = 'hook-secret-0123456789';
    const system = await buildSystem(t, w.hrss.id);
    const set = await t.call(t.adminToken, {
      method: 'PATCH',
      url: `/v1/departments/${w.hrss.id}/systems/${system.system.id}`,
      payload: { notifyUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/brx`, notifySecret: secret },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().notifySecretSet, true);
    assert.equal(JSON.stringify(set.json()).includes(secret), false, 'the secret is never shown');

    const c = await fileRequest(t, system.apiKey, { datasets: [{ code: w.openLicences.code, fields: ['uscc', 'name'] }] });
    assert.equal(c.state, 'approved');
    const now = clock.now();
    const first = await deliverNotifications(t.app, now);
    assert.deepEqual(first, { delivered: 0, retried: 1, failed: 0 });
    const row = await t.database.db.selectFrom('notifications').selectAll().where('system_id', '=', system.system.id).executeTakeFirstOrThrow();
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error, 'HTTP 503');
    const firstDelay = row.next_attempt_at!.getTime() - now.getTime();
    assert.ok(firstDelay >= 5_000 && firstDelay <= 15_000, `first retry after 5–15 s, got ${firstDelay}`);
    assert.deepEqual(await deliverNotifications(t.app, now), { delivered: 0, retried: 0, failed: 0 }, 'not due yet');
    const second = await deliverNotifications(t.app, new Date(now.getTime() + 16_000));
    assert.deepEqual(second, { delivered: 0, retried: 1, failed: 0 });
    const later = await t.database.db.selectFrom('notifications').select('next_attempt_at').where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.ok(later.next_attempt_at!.getTime() - (now.getTime() + 16_000) >= 10_000, 'the second wait is longer');
    const third = await deliverNotifications(t.app, new Date(now.getTime() + 3_600_000));
    assert.deepEqual(third, { delivered: 1, retried: 0, failed: 0 });

    assert.equal(received.length, 1);
    const [hook] = received;
    assert.equal(verifyWebhook(secret, hook!.headers, hook!.body, { now: Math.floor(clock.now().getTime() / 1000) }), true);
    const payload = JSON.parse(hook!.body);
    assert.equal(payload.kind, 'decided');
    assert.equal(payload.caseNo, c.trackingNo);
    assert.equal(hook!.headers['x-brx-delivery'], `notification-${row.id}`);
  });

  it('give up after the configured time, keeping the notification in the inbox', async () => {
    const system = await buildSystem(t, w.hrss.id);
    await t.call(t.adminToken, {
      method: 'PATCH',
      url: `/v1/departments/${w.hrss.id}/systems/${system.system.id}`,
      payload: { notifyUrl: 'http://127.0.0.1:9/unreachable', notifySecret: 'another-secret-0123' },
    });
    await fileRequest(t, system.apiKey, { datasets: [{ code: w.openLicences.code, fields: ['uscc'] }] });
    const report = await deliverNotifications(t.app, new Date(clock.now().getTime() + 25 * 3_600_000));
    assert.equal(report.failed, 1);
    const inbox = await t.call(system.apiKey, { method: 'GET', url: '/v1/notifications' });
    assert.equal(inbox.json().items[0].kind, 'decided');
  });
});
