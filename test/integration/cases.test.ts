import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../exchange/clock.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { act, acted, at, buildCaseWorld, type CaseWorld, caseOf, fileRequest, schedulerOn } from '../support/cases.ts';

let t: TestApp;
let w: CaseWorld;
const clock = new ManualClock(at('2027-03-01'));

// 2027 as entered by a platform admin: Wednesday 3 March a holiday, Saturday 6 March a make-up
// working day (invented for the test; the real 2027 schedule is not out yet).
before(async () => {
  t = await startTestApp({ BRX_CASE_BACKLOG_THRESHOLD: '3' }, { clock });
  w = await buildCaseWorld(t);
  const res = await t.call(t.adminToken, {
    method: 'PUT',
    url: '/v1/calendar/2027',
    payload: {
      source: '测试日历',
      days: [
        { date: '2027-03-03', kind: 'holiday', name: '测试假日' },
        { date: '2027-03-06', kind: 'workday', name: '测试调休' },
      ],
    },
  });
  assert.equal(res.statusCode, 200, res.body);
});

const licenceRequest = (fields = ['uscc', 'name', 'legalRepresentative', 'status']) => ({
  system: w.system.system.id,
  datasets: [{ code: w.licences.code, fields }],
  legalBasis: '《社会保险法》第五十八条',
});

describe('calendar administration', () => {
  it('keeps a year as entered and refuses days outside it', async () => {
    const year = await t.call(w.consumer.token, { method: 'GET', url: '/v1/calendar/2027' });
    assert.deepEqual(year.json().days.map((d: { date: string }) => d.date), ['2027-03-03', '2027-03-06']);
    assert.equal(year.json().confirmed, true);
    const seeded = await t.call(w.consumer.token, { method: 'GET', url: '/v1/calendar/2026' });
    assert.ok(seeded.json().days.some((d: { date: string; kind: string }) => d.date === '2026-10-10' && d.kind === 'workday'));
    const wrong = await t.call(t.adminToken, { method: 'PUT', url: '/v1/calendar/2027', payload: { days: [{ date: '2028-01-01', kind: 'holiday' }] } });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().errors[0].pointer, '/days/0/date');
    const denied = await t.call(w.consumer.token, { method: 'PUT', url: '/v1/calendar/2027', payload: { days: [] } });
    assert.equal(denied.statusCode, 403);
  });
});

describe('a sharing request', () => {
  it('gets a tracking number, an assignee and a deadline of 10 working days on the calendar', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    assert.match(c.trackingNo, /^SQ-20270302-\d{6}$/);
    assert.equal(c.state, 'submitted');
    // 4 Mar (1), 5 (2), Saturday 6 make-up (3), 8–12 (4–8), 15 (9), 16 (10); the 3rd is a holiday
    assert.equal(c.dueOn, '2027-03-16');
    assert.equal(c.flag, 'green');
    assert.equal(c.workingDaysLeft, 10, 'on the day it is filed, all 10 working days are left');
    assert.equal(c.parts[0]!.assignee?.id, w.approverA.user.id);
    assert.equal(c.parts[0]!.department.id, w.market.id);
    assert.equal(c.timeline?.[0]?.action, 'submit');
    assert.deepEqual(c.allowedActions, ['withdraw']);
    const provider = await caseOf(t, w.approverA.token, c.trackingNo);
    assert.deepEqual(provider.allowedActions, ['accept', 'request_supplement', 'extend', 'transfer', 'escalate']);
  });

  it('is visible to the requester, the provider and auditors only', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.system.apiKey, { datasets: [{ code: w.licences.code, fields: ['name'] }] });
    assert.equal((await t.call(w.outsider.token, { method: 'GET', url: `/v1/cases/${c.trackingNo}` })).statusCode, 404);
    assert.equal((await t.call(w.system.apiKey, { method: 'GET', url: `/v1/cases/${c.trackingNo}` })).statusCode, 200);
    const inbox = await t.call(w.approverA.token, { method: 'GET', url: '/v1/cases?view=inbox' });
    assert.ok(inbox.json().items.some((i: { trackingNo: string }) => i.trackingNo === c.trackingNo));
    const outsiderList = await t.call(w.outsider.token, { method: 'GET', url: '/v1/cases' });
    assert.equal(outsiderList.json().items.length, 0);
  });

  it('names each bad field of a request', async () => {
    const res = await t.call(w.consumer.token, {
      method: 'POST',
      url: '/v1/requests',
      payload: { system: w.system.system.id, purpose: '业务协同', modes: ['file'], datasets: [{ code: w.licences.code, fields: ['name', 'nope'] }, { code: 'XX-none', fields: ['a'] }] },
    });
    assert.equal(res.statusCode, 400);
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer);
    assert.deepEqual(pointers.sort(), ['/datasets/0/fields/1', '/datasets/1/code', '/modes'].sort());
  });

  it('refuses an invalid transition with the allowed ones, and actions by the wrong side', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    const early = await act(t, w.approverA.token, c.trackingNo, { action: 'decide', outcome: 'approve' });
    assert.equal(early.statusCode, 409);
    assert.match(early.json().detail, /allowed: accept, request_supplement, extend, transfer, escalate, withdraw/);
    const providerWithdraws = await act(t, w.approverA.token, c.trackingNo, { action: 'withdraw' });
    assert.equal(providerWithdraws.statusCode, 403);
    const requesterAccepts = await act(t, w.consumer.token, c.trackingNo, { action: 'accept' });
    assert.equal(requesterAccepts.statusCode, 403);
    const otherApprover = await act(t, w.approverB.token, c.trackingNo, { action: 'accept' });
    assert.equal(otherApprover.statusCode, 404, 'a department not involved does not learn the case exists');
  });

  it('pauses the clock for a supplement and resumes it with the days that were left', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    clock.set(at('2027-03-04'));
    await acted(t, w.approverA.token, c.trackingNo, { action: 'accept' });
    const noReason = await act(t, w.approverA.token, c.trackingNo, { action: 'request_supplement', items: ['用途说明'] });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().errors[0].pointer, '/reason');
    const paused = await acted(t, w.approverA.token, c.trackingNo, {
      action: 'request_supplement',
      items: ['加盖公章的用途说明', '数据安全承诺书'],
      reason: '材料不全，停止计时',
    });
    assert.equal(paused.state, 'needs_supplement');
    assert.equal(paused.paused, true);
    assert.equal(paused.flag, null);
    assert.equal(paused.workingDaysLeft, null, 'the clock stands still while the requester supplies');
    const mail = await t.call(w.consumer.token, { method: 'GET', url: '/v1/notifications' });
    const notice = mail.json().items.find((n: { caseNo: string; kind: string }) => n.caseNo === c.trackingNo && n.kind === 'supplement_needed');
    assert.deepEqual(notice.detail.items, ['加盖公章的用途说明', '数据安全承诺书']);

    // six working days later the requester sends the papers: 9 working days were left on 4 March
    clock.set(at('2027-03-12'));
    const resumed = await acted(t, w.consumer.token, c.trackingNo, { action: 'supplement', note: '已补正', attachments: [{ name: '承诺书.pdf', sha256: 'a'.repeat(64) }] });
    assert.equal(resumed.state, 'submitted');
    assert.equal(resumed.paused, false);
    assert.equal(resumed.dueOn, '2027-03-25');
    assert.equal(resumed.workingDaysLeft, 9);
    const entry = resumed.timeline!.find((e) => e.action === 'supplement')!;
    assert.equal(entry.attachments[0]!.sha256, 'a'.repeat(64));
  });

  it('asks for everything missing at once: a second request for something new needs a supervisor', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    await acted(t, w.approverA.token, c.trackingNo, { action: 'request_supplement', items: ['用途说明'], reason: '缺材料' });
    await acted(t, w.consumer.token, c.trackingNo, { action: 'supplement' });
    const again = await acted(t, w.approverA.token, c.trackingNo, { action: 'request_supplement', items: ['用途说明'], reason: '用途说明仍不清楚' });
    assert.equal(again.state, 'needs_supplement', 'asking again for the same item is allowed');
    await acted(t, w.consumer.token, c.trackingNo, { action: 'supplement' });
    const fresh = await act(t, w.approverA.token, c.trackingNo, { action: 'request_supplement', items: ['用途说明', '营业执照副本'], reason: '再补' });
    assert.equal(fresh.statusCode, 409);
    assert.match(fresh.json().detail, /一次性告知/);
    assert.match(fresh.json().errors[0].message, /营业执照副本/);
    const notSupervisor = await act(t, w.approverA.token, c.trackingNo, { action: 'request_supplement', items: ['营业执照副本'], reason: '再补', overrideReason: '新情况' });
    assert.equal(notSupervisor.statusCode, 403);
    const overridden = await acted(t, w.headA.token, c.trackingNo, {
      action: 'request_supplement',
      items: ['营业执照副本'],
      reason: '再补',
      overrideReason: '申请范围变更后确需补充',
    });
    assert.equal(overridden.state, 'needs_supplement');
    const entry = overridden.timeline!.filter((e) => e.action === 'request_supplement').at(-1)!;
    assert.deepEqual(entry.detail.override, { reason: '申请范围变更后确需补充', newItems: ['营业执照副本'] });
    assert.equal(entry.actor.id, w.headA.user.id);
  });

  it('extends its deadline once, with the reason shown to the requester', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    const tooLong = await act(t, w.approverA.token, c.trackingNo, { action: 'extend', days: 11, reason: '需会商' });
    assert.equal(tooLong.statusCode, 400);
    const extended = await acted(t, w.approverA.token, c.trackingNo, { action: 'extend', days: 5, reason: '需与省局会商' });
    assert.equal(extended.dueOn, '2027-03-23');
    assert.equal(extended.extendedDays, 5);
    const second = await act(t, w.approverA.token, c.trackingNo, { action: 'extend', days: 1, reason: '再延' });
    assert.equal(second.statusCode, 409);
    const seen = await caseOf(t, w.consumer.token, c.trackingNo);
    assert.equal(seen.timeline!.find((e) => e.action === 'extend')!.note, '需与省局会商');
  });

  it('escalates after 3 idle working days to the supervising department, and turns yellow then red', async () => {
    clock.set(at('2027-03-05'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    assert.equal(c.dueOn, '2027-03-18');
    await schedulerOn(t, clock, '2027-03-08');
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).state, 'submitted', 'idle on 6 (make-up) and 8 March: 2 working days');
    const report = await schedulerOn(t, clock, '2027-03-09');
    assert.ok(report.escalated >= 1);
    const escalated = await caseOf(t, w.consumer.token, c.trackingNo);
    assert.equal(escalated.state, 'escalated');
    assert.equal(escalated.parts[0]!.escalatedTo, '江西省数据局');
    const entry = escalated.timeline!.find((e) => e.action === 'escalate')!;
    assert.equal(entry.detail.idleWorkingDays, 3);
    const supervisorInbox = await t.call(w.provinceApprover.token, { method: 'GET', url: '/v1/cases?view=inbox' });
    assert.ok(supervisorInbox.json().items.some((i: { trackingNo: string }) => i.trackingNo === c.trackingNo));
    const told = await t.call(w.consumer.token, { method: 'GET', url: '/v1/notifications' });
    assert.ok(told.json().items.some((n: { caseNo: string; kind: string }) => n.caseNo === c.trackingNo && n.kind === 'escalated'));

    clock.set(at('2027-03-15'));
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).flag, 'green');
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).workingDaysLeft, 3);
    await schedulerOn(t, clock, '2027-03-16');
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).flag, 'yellow');
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).workingDaysLeft, 2);
    const near = await t.call(w.consumer.token, { method: 'GET', url: '/v1/notifications' });
    assert.equal(near.json().items.filter((n: { caseNo: string; kind: string }) => n.caseNo === c.trackingNo && n.kind === 'deadline_near').length, 1);
    await schedulerOn(t, clock, '2027-03-17');
    const again = await t.call(w.consumer.token, { method: 'GET', url: '/v1/notifications' });
    assert.equal(again.json().items.filter((n: { caseNo: string; kind: string }) => n.caseNo === c.trackingNo && n.kind === 'deadline_near').length, 1, 'told once');
    clock.set(at('2027-03-18'));
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).workingDaysLeft, 0, 'due today');
    clock.set(at('2027-03-22'));
    const overdue = await caseOf(t, w.consumer.token, c.trackingNo);
    assert.equal(overdue.flag, 'red');
    assert.equal(overdue.workingDaysLeft, -2, 'Friday 19 and Monday 22 March past the deadline');
    const listed = await t.call(w.consumer.token, { method: 'GET', url: '/v1/cases?view=mine&flag=red' });
    assert.equal(listed.json().items.find((i: { trackingNo: string }) => i.trackingNo === c.trackingNo).workingDaysLeft, -2);
    clock.set(at('2027-03-19'));
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).flag, 'red');
    const red = await t.call(t.adminToken, { method: 'GET', url: '/v1/cases?flag=red' });
    assert.ok(red.json().items.some((i: { trackingNo: string }) => i.trackingNo === c.trackingNo));

    // the supervisor may decide an escalated case
    const decided = await acted(t, w.provinceApprover.token, c.trackingNo, { action: 'decide', outcome: 'reject', reason: '用途与数据无关', legalBasis: '《政务数据共享条例》第十五条' });
    assert.equal(decided.state, 'rejected');
    assert.equal(decided.parts[0]!.decision?.legalBasis, '《政务数据共享条例》第十五条');
    assert.equal(decided.workingDaysLeft, null, 'a closed case has no days left');
  });

  it('is handed up to the supervising level by its department, with the reason, and no higher than the platform', async () => {
    clock.set(at('2027-03-02'));
    const c = await fileRequest(t, w.consumer.token, licenceRequest());
    const noReason = await act(t, w.approverA.token, c.trackingNo, { action: 'escalate' });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().errors[0].pointer, '/reason');
    const requester = await act(t, w.consumer.token, c.trackingNo, { action: 'escalate', reason: '催办' });
    assert.equal(requester.statusCode, 403, 'the requester does not escalate (the scheduler and disputes serve them)');
    const up = await acted(t, w.approverA.token, c.trackingNo, { action: 'escalate', reason: '涉及跨层级数据，需省数据局协调' });
    assert.equal(up.state, 'escalated');
    assert.equal(up.parts[0]!.escalatedTo, '江西省数据局');
    const entry = up.timeline!.find((e) => e.action === 'escalate')!;
    assert.equal(entry.actor.id, w.approverA.user.id);
    assert.equal(entry.note, '涉及跨层级数据，需省数据局协调');
    assert.deepEqual(entry.detail, { to: w.province.id, level: 1, manual: true });
    const supervisorInbox = await t.call(w.provinceApprover.token, { method: 'GET', url: '/v1/cases?view=inbox' });
    assert.ok(supervisorInbox.json().items.some((i: { trackingNo: string }) => i.trackingNo === c.trackingNo));
    const told = await t.call(w.consumer.token, { method: 'GET', url: '/v1/notifications' });
    assert.ok(told.json().items.some((n: { caseNo: string; kind: string }) => n.caseNo === c.trackingNo && n.kind === 'escalated'));
    // once up, the department cannot push it further without the level holding it acting
    const pushed = await act(t, w.approverA.token, c.trackingNo, { action: 'escalate', reason: '再次提请' });
    assert.equal(pushed.statusCode, 403);
    assert.ok(!(await caseOf(t, w.approverA.token, c.trackingNo)).allowedActions.includes('escalate'), 'nor is it offered to them');
    // the province hands it to the platform administrators; from there, nowhere higher
    const top = await acted(t, w.provinceApprover.token, c.trackingNo, { action: 'escalate', reason: '需平台统筹' });
    assert.equal(top.parts[0]!.escalatedTo, 'platform administrators');
    assert.ok(!top.allowedActions.includes('escalate'), 'no level above the platform: not offered');
    const beyond = await act(t, t.adminToken, c.trackingNo, { action: 'escalate', reason: '再升级' });
    assert.equal(beyond.statusCode, 409);
    // the department keeps its say and decides
    const decided = await acted(t, w.approverA.token, c.trackingNo, { action: 'decide', outcome: 'approve', fields: ['name'], reason: '仅共享企业名称' });
    assert.equal(decided.state, 'partially_approved');
  });

  it('raises a backlog alert when a department holds too many open cases for one dataset', async () => {
    clock.set(at('2027-03-22'));
    for (let i = 0; i < 4; i++) await fileRequest(t, w.consumer.token, licenceRequest(['name']));
    const report = await schedulerOn(t, clock, '2027-03-22', '11:00');
    assert.ok(report.backlogAlerts >= 1);
    const mail = await t.call(w.headA.token, { method: 'GET', url: '/v1/notifications' });
    const alert = mail.json().items.find((n: { kind: string }) => n.kind === 'backlog');
    assert.equal(alert.detail.dataset, w.licences.code);
    assert.ok(alert.detail.open > 3);
    const count = async () => (await t.call(w.headA.token, { method: 'GET', url: '/v1/notifications' })).json().items.filter((n: { kind: string }) => n.kind === 'backlog').length;
    const before = await count();
    await schedulerOn(t, clock, '2027-03-22', '12:00');
    assert.equal(await count(), before, 'once a day');
  });
});

describe('decisions and grants', () => {
  it('splits a joint request across providers and grants exactly what each approved', async () => {
    clock.set(at('2027-04-01'));
    const c = await fileRequest(t, w.consumer.token, {
      system: w.system.system.id,
      datasets: [
        { code: w.licences.code, fields: ['uscc', 'name', 'legalRepresentative'] },
        { code: w.taxRecords.code, fields: ['uscc', 'status'] },
      ],
    });
    assert.equal(c.parts.length, 2);
    assert.deepEqual(c.parts.map((p) => p.department.id).sort(), [w.market.id, w.tax.id].sort());
    await acted(t, w.approverA.token, c.trackingNo, { action: 'accept' });
    const missingReason = await act(t, w.approverA.token, c.trackingNo, { action: 'decide', outcome: 'approve', fields: ['uscc', 'name'] });
    assert.equal(missingReason.statusCode, 400);
    assert.equal(missingReason.json().errors[0].pointer, '/reason');
    const half = await acted(t, w.approverA.token, c.trackingNo, {
      action: 'decide',
      outcome: 'approve',
      fields: ['uscc', 'name', 'legalRepresentative'].slice(0, 2),
      maskedFields: ['name'],
      reason: '法定代表人信息超出用途所需',
      requestsPerMinute: 60,
    });
    assert.equal(half.state, 'under_review', 'the tax part is still open');
    assert.equal(half.parts.find((p) => p.dataset === w.licences.code)!.state, 'partially_approved');
    const decided = await acted(t, w.approverB.token, c.trackingNo, { action: 'decide', outcome: 'reject', reason: '涉及纳税人秘密', legalBasis: '《税收征收管理法》第八条' });
    assert.equal(decided.state, 'partially_approved');
    assert.ok(decided.closedAt);

    const held = await t.call(w.system.apiKey, { method: 'GET', url: '/v1/grants' });
    const mine = held.json().items.filter((g: { caseNo: string }) => g.caseNo === c.trackingNo);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].dataset, w.licences.code);
    assert.deepEqual(mine[0].fields, ['uscc', 'name']);
    assert.deepEqual(mine[0].maskedFields, ['name']);
    assert.equal(mine[0].requestsPerMinute, 60);
    assert.equal(mine[0].status, 'active');
    const taxView = await t.call(w.approverB.token, { method: 'GET', url: '/v1/grants?view=granted' });
    assert.ok(!taxView.json().items.some((g: { caseNo: string }) => g.caseNo === c.trackingNo));
    const marketView = await t.call(w.approverA.token, { method: 'GET', url: '/v1/grants?view=granted' });
    assert.ok(marketView.json().items.some((g: { caseNo: string }) => g.caseNo === c.trackingNo));

    // revoking tells the holder at once: the requesting official's inbox and the system's
    const revoked = await t.call(w.approverA.token, { method: 'POST', url: `/v1/grants/${mine[0].id}/revoke`, payload: { reason: '用途已变更' } });
    assert.equal(revoked.statusCode, 200, revoked.body);
    for (const token of [w.consumer.token, w.system.apiKey]) {
      const inbox = (await t.call(token, { method: 'GET', url: '/v1/notifications' })).json().items;
      const told = inbox.filter((n: { kind: string; grantId: string }) => n.kind === 'grant_revoked' && n.grantId === mine[0].id);
      assert.equal(told.length, 1, 'told once');
      assert.match(told[0].title, /用途已变更/);
    }
  });

  it('grants unconditional data at once, and sends only the stricter fields to review', async () => {
    clock.set(at('2027-04-01'));
    const open = await fileRequest(t, w.system.apiKey, { datasets: [{ code: w.openLicences.code, fields: ['uscc', 'name', 'status'] }], contact: '王五 0790-1234567' });
    assert.equal(open.state, 'approved');
    assert.ok(open.closedAt);
    assert.equal(open.parts[0]!.grantId !== null, true);
    assert.ok(open.timeline!.some((e) => e.action === 'grant_unconditional'));

    const mixed = await fileRequest(t, w.system.apiKey, { datasets: [{ code: w.openLicences.code, fields: ['uscc', 'name', 'legalRepresentative'] }] });
    assert.equal(mixed.state, 'submitted');
    assert.deepEqual(mixed.parts[0]!.autoFields, ['uscc', 'name']);
    const first = mixed.parts[0]!.grantId!;
    const grant = await t.call(w.system.apiKey, { method: 'GET', url: `/v1/grants/${first}` });
    assert.deepEqual(grant.json().fields, ['uscc', 'name']);
    await acted(t, w.approverA.token, mixed.trackingNo, { action: 'accept' });
    const approved = await acted(t, w.approverA.token, mixed.trackingNo, { action: 'decide', outcome: 'approve' });
    assert.equal(approved.state, 'approved');
    const widened = await t.call(w.system.apiKey, { method: 'GET', url: `/v1/grants/${approved.parts[0]!.grantId}` });
    assert.deepEqual(widened.json().fields, ['uscc', 'name', 'legalRepresentative']);
    assert.equal((await t.call(w.system.apiKey, { method: 'GET', url: `/v1/grants/${first}` })).json().status, 'superseded');
  });

  it('refuses a dataset that is not shared at once, with its legal basis', async () => {
    clock.set(at('2027-04-01'));
    const c = await fileRequest(t, w.consumer.token, { system: w.system.system.id, datasets: [{ code: w.closed.code, fields: ['uscc', 'name'] }] });
    assert.equal(c.state, 'rejected');
    assert.ok(c.closedAt);
    assert.deepEqual(c.parts[0]!.refusedFields, ['uscc', 'name']);
    assert.match(c.timeline!.find((e) => e.action === 'refuse_not_shared')!.note, /执法内部记录不予共享/);
    const disputed = await acted(t, w.consumer.token, c.trackingNo, { action: 'dispute', statement: '我局依法需要该数据' });
    assert.equal(disputed.state, 'disputed');
    assert.equal(disputed.disputedTo, '江西省数据局');
    assert.match(disputed.complaintChannel!, /12345/);
    const ruled = await acted(t, w.provinceApprover.token, c.trackingNo, { action: 'rule', outcome: 'uphold', note: '维持' });
    assert.equal(ruled.state, 'rejected');
  });

  it('routes cases to the backup while the primary is away, and records "acting for"', async () => {
    clock.set(at('2027-06-01'));
    const pending = await fileRequest(t, w.consumer.token, licenceRequest());
    assert.equal(pending.parts[0]!.assignee?.id, w.approverA.user.id);
    const absence = await t.call(w.headA.token, { method: 'POST', url: `/v1/users/${w.approverA.user.id}/absences`, payload: { from: '2027-06-02', until: '2027-06-30', reason: '外出学习' } });
    assert.equal(absence.statusCode, 201, absence.body);

    const report = await schedulerOn(t, clock, '2027-06-02');
    assert.ok(report.rerouted >= 1);
    const rerouted = await caseOf(t, w.consumer.token, pending.trackingNo);
    assert.equal(rerouted.parts[0]!.assignee?.id, w.backupA.user.id);
    assert.equal(rerouted.parts[0]!.actingFor?.id, w.approverA.user.id);
    const fresh = await fileRequest(t, w.consumer.token, licenceRequest());
    assert.equal(fresh.parts[0]!.assignee?.id, w.backupA.user.id, 'new cases go straight to the backup');
    assert.equal(fresh.parts[0]!.actingFor?.id, w.approverA.user.id);

    await acted(t, w.backupA.token, fresh.trackingNo, { action: 'accept' });
    const done = await acted(t, w.backupA.token, fresh.trackingNo, { action: 'decide', outcome: 'approve' });
    const entry = done.timeline!.find((e) => e.action === 'decide')!;
    assert.equal(entry.actor.id, w.backupA.user.id);
    assert.equal(entry.actingFor?.id, w.approverA.user.id);

    const back = await schedulerOn(t, clock, '2027-07-01');
    assert.ok(back.rerouted >= 1);
    assert.equal((await caseOf(t, w.consumer.token, pending.trackingNo)).parts[0]!.assignee?.id, w.approverA.user.id, 'back to the primary on return');
  });

  it('reports decisions per department and dataset', async () => {
    const res = await t.call(w.headA.token, { method: 'GET', url: '/v1/stats/cases' });
    assert.equal(res.statusCode, 200);
    const row = res.json().items.find((i: { dataset: string }) => i.dataset === w.licences.code);
    assert.ok(row.received >= 10);
    assert.ok(row.decided >= 2);
    assert.ok(row.escalations >= 1);
    assert.ok(row.openBacklog >= 4);
    assert.ok(row.onTimeRate > 0 && row.onTimeRate <= 1);
    assert.equal(typeof row.medianDays, 'number');
    assert.ok(res.json().items.every((i: { department: { id: string } }) => i.department.id === w.market.id), 'a department sees its own numbers');
    const outsider = await t.call(w.system.apiKey, { method: 'GET', url: '/v1/stats/cases' });
    assert.equal(outsider.statusCode, 403);
  });
});
