import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminPassword } from '../support/app.ts';
import { buildDashboardWorld } from '../support/dashboard.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

interface Drawn {
  type: string;
  labels: string[];
  series: { label: string; data: number[] }[];
  painted: boolean;
}

describe('the dashboard', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  before(async () => {
    web = await startConsole();
    await buildDashboardWorld(web);
    browser = await openBrowser();
  });

  it('draws records in and out per day, subscription lag, case figures and open quality issues as charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    await signIn(page, web.baseUrl, 'admin', adminPassword);
    await page.getByRole('heading', { name: '每日数据流入与流出' }).waitFor();
    // what Chart.js drew, read back from its own objects, and whether the canvas has any pixels
    const charts = await page.evaluate(() => {
      const out: Record<string, unknown> = {};
      for (const canvas of Array.from(document.querySelectorAll('canvas'))) {
        type Drawing = { config: { type: string }; data: { labels: string[]; datasets: { label: string; data: number[] }[] } };
        const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): Drawing | undefined } }).Chart.getChart(canvas);
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        out[canvas.id] = {
          type: chart?.config.type,
          labels: chart?.data.labels,
          series: chart?.data.datasets.map((d) => ({ label: d.label, data: d.data })),
          painted: Array.from(pixels).some((v, i) => i % 4 === 3 && v !== 0),
        };
      }
      return out;
    });
    assert.deepEqual(Object.keys(charts).sort(), ['chart-cases', 'chart-flows', 'chart-lag', 'chart-quality']);
    for (const [id, chart] of Object.entries(charts) as [string, Drawn][]) assert.ok(chart.painted, `${id} is drawn`);

    const flows = charts['chart-flows'] as Drawn;
    assert.equal(flows.labels.length, 14, 'fourteen days');
    const [recordsIn, recordsOut] = flows.series;
    assert.equal(recordsIn!.label, '流入记录（发布）');
    assert.ok(recordsIn!.data.at(-1)! >= 6, 'today: 4 licences and 2 registry contributions');
    assert.equal(recordsOut!.data.at(-1), 2, 'today: two records read');
    assert.deepEqual((charts['chart-lag'] as Drawn).series[0]!.data, [4]);
    const cases = charts['chart-cases'] as Drawn;
    assert.deepEqual(cases.series.map((s) => [s.label, s.data.reduce((a, b) => a + b, 0)]), [['收到', 1], ['办结', 1], ['待办', 0], ['办结用时中位数（工作日）', 0]]);
    assert.deepEqual((charts['chart-quality'] as Drawn).series.map((s) => [s.label, s.data]), [['来源冲突', [1]]]);
    await assert.doesNotReject(page.getByText('按时办结率').first().waitFor());
    assert.deepEqual(refused, [], 'no script or style was refused by the CSP');
    await screenshot(page, 'console-dashboard');

    // the same figures as a table, for keyboards and screen readers
    await page.getByText('查看数据表').first().click();
    await assert.doesNotReject(page.getByRole('cell', { name: '2', exact: true }).first().waitFor());
    await page.close();
  });
});
