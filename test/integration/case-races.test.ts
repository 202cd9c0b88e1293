import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { findPrincipal } from '../../exchange/auth/store.ts';
import { applyAction } from '../../exchange/cases/actions.ts';
import { loadCalendar } from '../../exchange/cases/calendar-store.ts';
import { runCaseScheduler } from '../../exchange/cases/scheduler.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { untilSomeoneWaitsForALock } from '../support/database.ts';
import { acted, at, buildCaseWorld, type CaseWorld, caseOf, fileRequest } from '../support/cases.ts';

let t: TestApp;
let w: CaseWorld;
const clock = new ManualClock(at('2027-03-05'));

before(async () => {
  t = await startTestApp({}, { clock });
  w = await buildCaseWorld(t);
});

describe('the case scheduler and a decision at the same moment', () => {
  it('never turns a case decided during a sweep back into an open, escalated one', async () => {
    clock.set(at('2027-03-05'));
    const c = await fileRequest(t, w.consumer.token, {
      system: w.system.system.id,
      datasets: [{ code: w.licences.code, fields: ['uscc', 'name'] }],
      legalBasis: '《社会保险法》第五十八条',
    });
    await acted(t, w.approverA.token, c.trackingNo, { action: 'accept' });
    // three idle working days later the part is due for escalation, and its approver decides just then
    clock.set(at('2027-03-10'));
    const db = t.database.db;
    const actor = (await findPrincipal(db, w.approverA.token, 0))!;
    const ctx = { actor, requestId: 'race', now: clock.now(), calendar: await loadCalendar(db), config: t.config };
    let commit!: () => void;
    const held = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let decided!: () => void;
    const applied = new Promise<void>((resolve) => {
      decided = resolve;
    });
    const decision = db.transaction().execute(async (trx) => {
      await applyAction(trx, ctx, t.app.events, c.trackingNo, { action: 'decide', outcome: 'approve' });
      decided();
      await held;
    });
    await applied;
    // the sweep runs while the decision is written but not yet committed
    const sweep = runCaseScheduler(db, clock.now(), t.config);
    await untilSomeoneWaitsForALock(db, sweep);
    commit();
    await decision;
    const report = await sweep;
    assert.equal(report.escalated, 0, 'the case being decided is left to the next sweep');

    const after = await caseOf(t, w.consumer.token, c.trackingNo);
    assert.equal(after.state, 'approved');
    assert.ok(after.closedAt, 'the case stays closed');
    assert.equal(after.timeline!.filter((e) => e.action === 'escalate').length, 0);
    // and the next sweep, seeing it closed, leaves it alone
    assert.equal((await runCaseScheduler(db, clock.now(), t.config)).escalated, 0);
    assert.equal((await caseOf(t, w.consumer.token, c.trackingNo)).state, 'approved');
  });
});
