import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ExchangeStats } from '../../contracts/generated/api.ts';
import { dayOf } from '../../exchange/cases/calendar.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildDashboardWorld } from '../support/dashboard.ts';

describe('exchange statistics for the dashboard', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof buildDashboardWorld>>;
  before(async () => {
    t = await startTestApp();
    w = await buildDashboardWorld(t);
  });
  const stats = async (token: string, query = '') => {
    const res = await t.call(token, { method: 'GET', url: `/v1/stats/exchange${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as ExchangeStats;
  };

  it('counts records in and out per China day, subscription lag and open quality issues', async () => {
    const s = await stats(t.adminToken, '?days=7');
    assert.equal(s.days.length, 7);
    const today = s.days.at(-1)!;
    assert.equal(today.day, dayOf(t.clock.now()), 'the last day is today in China Standard Time');
    assert.equal(s.until, today.day);
    assert.ok(today.recordsIn >= 4 + 2, 'the 4 licences and the 2 contributions came in today');
    assert.equal(today.recordsOut, 2, 'the two records the system read');
    assert.deepEqual(s.days.slice(0, -1).map((d) => d.recordsIn + d.recordsOut), [0, 0, 0, 0, 0, 0]);
    const sub = s.subscriptions.find((x) => x.dataset === w.licences.code)!;
    assert.equal(sub.lag, 4, 'subscribed before the 4 licences came, nothing acknowledged');
    assert.equal(sub.system.id, w.system.system.id);
    assert.deepEqual(s.qualityIssues.map((q) => [q.dataset, q.kind, q.open]), [[w.registries.codes.population, 'conflict', 1]]);
  });

  it("shows a department person only its own datasets' figures", async () => {
    const market = await stats(w.approverA.token);
    assert.equal(market.days.at(-1)!.recordsIn, 4);
    assert.equal(market.days.at(-1)!.recordsOut, 2);
    assert.equal(market.qualityIssues.length, 0, 'the population registry is not theirs');
    const outsider = await stats(w.outsider.token);
    assert.equal(outsider.days.reduce((n, d) => n + d.recordsIn + d.recordsOut, 0), 0);
    assert.deepEqual(outsider.subscriptions, []);
    const asked = await stats(w.outsider.token, `?department=${w.market.id}`);
    assert.equal(asked.days.at(-1)!.recordsIn, 0, 'naming another department shows nothing of it');
  });
});
