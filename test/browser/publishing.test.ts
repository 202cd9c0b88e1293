import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildDepartment, buildNode, buildUser } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

describe('the console: publishing', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  let code: string;
  let admin: Awaited<ReturnType<typeof buildUser>>;
  let node: Awaited<ReturnType<typeof buildNode>>;
  const good = [licence(), licence()];
  const wrongStatus = licence(undefined, { name: '新余市隔离测试有限公司', status: 'unknown' });
  const negative = licence(undefined, { registeredCapital: -1 });

  before(async () => {
    web = await startConsole();
    browser = await openBrowser();
    const market = await buildDepartment(web, { name: '新余市市场监督管理局' });
    node = await buildNode(web, market.id);
    code = (await buildDataset(web, market.id)).code;
    const sent = await sendBatch(web, node, code, { batchId: 'licences-0001', records: [...good, wrongStatus, negative].map((r) => upsert(r)) });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.equal(sent.json().rejected.length, 2);
    const now = web.clock.now().toISOString();
    const beat = await web.call(node.apiKey, {
      method: 'POST',
      url: '/v1/nodes/self/heartbeat',
      payload: {
        version: '1.0.0',
        startedAt: now,
        intervalSeconds: 30,
        jobs: [{ name: 'licences', kind: 'postgres', dataset: code, state: 'running', spoolDepth: 7, rowsPerSecond: 1.5, lastSuccessAt: now, lastError: null }],
      },
    });
    assert.equal(beat.statusCode, 204, beat.body);
    admin = await buildUser(web, [{ role: 'dept_admin', departmentId: market.id }]);
  });

  it('a dept_admin sees batches with counts and node status, resubmits a corrected record and discards another', async () => {
    const page = await browser.newPage();
    await signIn(page, web.baseUrl, admin.user.username, admin.password);
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '数据发布' }).click();
    await page.waitForURL(/\/publishing$/);
    const batch = page.getByRole('row', { name: /licences-0001/ });
    await batch.waitFor();
    // records, accepted, unchanged, stale, rejected
    assert.deepEqual((await batch.locator('td.num').allInnerTexts()).map((s) => s.trim()), ['4', '2', '0', '0', '2']);
    assert.match(await batch.innerText(), new RegExp(node.node.name));
    const nodeRow = page.getByRole('row', { name: new RegExp(node.node.name) }).filter({ hasText: '在线' });
    assert.match(await nodeRow.innerText(), /在线[\s\S]*\b7\b/, 'online, with seven records in its spool');
    await assert.doesNotReject(page.getByRole('link', { name: '隔离区待处理 2 条' }).waitFor());
    assert.equal(await page.getByText('前置机运行状态', { exact: true }).count(), 1, 'the heading, not repeated by a caption');
    await assert.doesNotReject(page.getByRole('table', { name: '前置机运行状态' }).waitFor(), 'the table is named by its heading');
    await screenshot(page, 'console-publishing-overview');

    await page.getByRole('link', { name: '隔离区待处理 2 条' }).click();
    await page.waitForURL(new RegExp(`/publishing/${code}#quarantine$`));
    const first = page.getByRole('region', { name: new RegExp(wrongStatus.uscc) });
    assert.match(await first.innerText(), /\/data\/status：必须是以下取值之一：active, revoked, cancelled/);
    const second = page.getByRole('region', { name: new RegExp(negative.uscc) });
    assert.match(await second.innerText(), /\/data\/registeredCapital：不能小于 0/);
    await screenshot(page, 'console-publishing-quarantine');

    // a correction that is still wrong is refused beside the record, the text kept
    const textarea = first.getByLabel('更正后的记录（JSON）');
    const original = JSON.parse(await textarea.inputValue());
    assert.deepEqual(original.data, wrongStatus, 'the record as it was sent');
    await textarea.fill(JSON.stringify({ ...original, data: { ...original.data, status: 'nope' } }, null, 2));
    await first.getByRole('button', { name: '重新提交此记录' }).click();
    const refused = page.getByRole('region', { name: new RegExp(wrongStatus.uscc) }).getByRole('alert');
    await assert.doesNotReject(refused.getByText('重新提交的记录仍未通过校验').waitFor());
    assert.match(await page.getByRole('region', { name: new RegExp(wrongStatus.uscc) }).getByLabel('更正后的记录（JSON）').inputValue(), /"nope"/);

    await page
      .getByRole('region', { name: new RegExp(wrongStatus.uscc) })
      .getByLabel('更正后的记录（JSON）')
      .fill(JSON.stringify({ ...original, data: { ...original.data, status: 'active' } }, null, 2));
    await page.getByRole('region', { name: new RegExp(wrongStatus.uscc) }).getByRole('button', { name: '重新提交此记录' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('更正后的记录已接收，已移出隔离区。').waitFor());
    assert.equal(await page.getByRole('region', { name: new RegExp(wrongStatus.uscc) }).count(), 0, 'it left the quarantine');
    const stored = await web.call(admin.token, { method: 'GET', url: `/v1/datasets/${code}/records/${wrongStatus.uscc}` });
    assert.equal(stored.statusCode, 200, stored.body);
    assert.equal(stored.json().data.status, 'active');

    // discarding needs a reason
    const other = page.getByRole('region', { name: new RegExp(negative.uscc) });
    await other.getByRole('button', { name: '作废此记录' }).click();
    await assert.doesNotReject(page.getByRole('region', { name: new RegExp(negative.uscc) }).getByRole('alert').getByText('请填写作废原因').waitFor());
    await page.getByRole('region', { name: new RegExp(negative.uscc) }).getByLabel('作废原因').fill('企业已注销，记录作废');
    await page.getByRole('region', { name: new RegExp(negative.uscc) }).getByRole('button', { name: '作废此记录' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('记录已作废').waitFor());
    await assert.doesNotReject(page.getByText('隔离区没有此状态的记录。').waitFor());
    const discarded = await web.call(admin.token, { method: 'GET', url: `/v1/datasets/${code}/quarantine?status=discarded` });
    assert.deepEqual(
      discarded.json().items.map((q: { key: string; resolution: string }) => [q.key, q.resolution]),
      [[negative.uscc, '企业已注销，记录作废']],
    );
    assert.equal((await web.call(admin.token, { method: 'GET', url: `/v1/datasets/${code}/records/${negative.uscc}` })).statusCode, 404);

    // the correction is a batch of its own, by a person
    await screenshot(page, 'console-publishing-after');
    const byPerson = page.getByRole('row').filter({ hasText: '人工重新提交' });
    assert.equal(await byPerson.count(), 2, 'the two resubmissions, the refused one and the accepted one');
    assert.deepEqual((await byPerson.first().locator('td.num').allInnerTexts()).map((s) => s.trim()), ['1', '1', '0', '0', '0']);
    await page.close();
  });

  it('someone who is neither a dept_admin nor a platform admin is refused', async () => {
    const approver = await buildUser(web, [{ role: 'approver', departmentId: (await buildDepartment(web)).id }]);
    const page = await browser.newPage();
    await signIn(page, web.baseUrl, approver.user.username, approver.password);
    assert.equal(await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '数据发布' }).count(), 0);
    const res = await page.goto(`${web.baseUrl}/publishing/${code}`);
    assert.equal(res?.status(), 403);
    await assert.doesNotReject(page.getByRole('alert').getByText('您无权进行此操作').waitFor());
    await page.close();
  });
});
