import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayOf, endOfDay, WorkCalendar } from '../../exchange/cases/calendar.ts';
import { allowedActions, checkTransition } from '../../exchange/cases/states.ts';
import { workingDaysLeft } from '../../exchange/cases/store.ts';
import { BrxError } from '../../exchange/errors.ts';

// The 2026 National Day week: holidays 1–7 October, make-up working days Sunday 20 September
// and Saturday 10 October (国务院办公厅 2026 schedule).
const calendar = new WorkCalendar([
  ['2026-09-20', 'workday'],
  ...['01', '02', '03', '04', '05', '06', '07'].map((d): [string, 'holiday'] => [`2026-10-${d}`, 'holiday']),
  ['2026-10-10', 'workday'],
]);

describe('working-day calendar', () => {
  it('knows weekends, holidays and make-up working days', () => {
    assert.equal(calendar.isWorkingDay('2026-09-30'), true, 'a Wednesday');
    assert.equal(calendar.isWorkingDay('2026-10-01'), false, 'National Day');
    assert.equal(calendar.isWorkingDay('2026-10-05'), false, 'a Monday in the holiday');
    assert.equal(calendar.isWorkingDay('2026-10-10'), true, 'the make-up Saturday');
    assert.equal(calendar.isWorkingDay('2026-10-17'), false, 'an ordinary Saturday');
    assert.equal(calendar.isWorkingDay('2026-09-20'), true, 'the make-up Sunday');
  });

  it('counts deadlines from the day after receipt, skipping holidays and using the make-up day', () => {
    assert.equal(calendar.addWorkingDays('2026-09-30', 1), '2026-10-08');
    assert.equal(calendar.addWorkingDays('2026-09-30', 3), '2026-10-10');
    assert.equal(calendar.addWorkingDays('2026-09-30', 4), '2026-10-12');
    assert.equal(calendar.addWorkingDays('2026-09-30', 10), '2026-10-20');
    assert.equal(calendar.addWorkingDays('2026-10-03', 1), '2026-10-08', 'received on a holiday');
    assert.equal(calendar.addWorkingDays('2026-09-30', 0), '2026-09-30');
  });

  it('counts the working days between two days', () => {
    assert.equal(calendar.workingDaysBetween('2026-09-30', '2026-10-12'), 4);
    assert.equal(calendar.workingDaysBetween('2026-10-01', '2026-10-07'), 0);
    assert.equal(calendar.workingDaysBetween('2026-10-12', '2026-09-30'), 0);
    for (const n of [1, 2, 5, 10, 20]) assert.equal(calendar.workingDaysBetween('2026-09-28', calendar.addWorkingDays('2026-09-28', n)), n);
  });

  it('takes the day in China Standard Time', () => {
    assert.equal(dayOf(new Date('2026-11-22T15:59:59Z')), '2026-11-22');
    assert.equal(dayOf(new Date('2026-11-22T16:00:00Z')), '2026-11-23');
    assert.equal(endOfDay('2026-11-23').toISOString(), '2026-11-23T15:59:59.999Z');
  });
});

describe('case state machine', () => {
  it('lists what each state allows', () => {
    assert.deepEqual(allowedActions('request', 'submitted'), ['accept', 'request_supplement', 'extend', 'transfer', 'escalate', 'withdraw']);
    assert.deepEqual(allowedActions('request', 'needs_supplement'), ['supplement', 'withdraw']);
    assert.ok(allowedActions('request', 'under_review').includes('decide'));
    assert.ok(!allowedActions('objection', 'under_review').includes('decide'));
    assert.ok(allowedActions('objection', 'under_review').includes('correct'));
    assert.deepEqual(allowedActions('request', 'approved'), []);
    assert.deepEqual(allowedActions('request', 'rejected'), ['dispute']);
    assert.deepEqual(allowedActions('request', 'disputed'), ['rule']);
  });

  it('refuses an invalid transition naming the allowed actions', () => {
    assert.throws(
      () => checkTransition('request', 'submitted', 'decide'),
      (e: unknown) => e instanceof BrxError && e.status === 409 && /allowed: accept, request_supplement/.test(e.message),
    );
    assert.throws(() => checkTransition('request', 'withdrawn', 'accept'), /closed/);
    assert.doesNotThrow(() => checkTransition('request', 'escalated', 'decide'));
  });

  it('a deadline that passed before a holiday reads overdue through the holiday, never "due today"', () => {
    const open = { state: 'under_review', due_on: '2026-09-30', paused_at: null };
    assert.equal(workingDaysLeft(open, calendar, '2026-09-30'), 0, 'due today');
    assert.equal(workingDaysLeft(open, calendar, '2026-10-03'), -1, 'in the National Day holiday, a day late');
    assert.equal(workingDaysLeft(open, calendar, '2026-10-08'), -1, 'the first working day after it');
    assert.equal(workingDaysLeft(open, calendar, '2026-10-09'), -2);
  });
});
