import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Case } from '../../contracts/generated/api.ts';
import { type CaseWorld, buildCaseWorld } from '../support/cases.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

/**
 * The catalog and the requester's view, as a data officer of a consuming department (人社局)
 * uses them: find a dataset, read its fields, ask for some of them, and follow the case.
 */
describe('the console: catalog, request-access form and my requests', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  let w: CaseWorld;
  let monthly: { code: string; name: string };
  let trackingNo = '';

  before(async () => {
    web = await startConsole();
    browser = await openBrowser();
    w = await buildCaseWorld(web);
    monthly = await buildDataset(web, w.tax.id, { name: '企业纳税申报月度汇总', updateCycle: 'monthly', tags: ['税务'] });
    const sent = await sendBatch(web, w.node, w.licences.code, { batchId: 'b-2026-001', records: [upsert(licence()), upsert(licence()), upsert(licence())] });
    assert.equal(sent.statusCode, 200, sent.body);
  });

  async function officer(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, web.baseUrl, w.consumer.user.username, w.consumer.password);
    return page;
  }

  const resultNames = async (page: Page) => page.getByRole('table').locator('tbody tr td:first-child a').allTextContents();

  it('a data officer searches by words and by update cycle, and opens a dataset with its Chinese field titles and sensitivity', async () => {
    const page = await officer();
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '数据目录' }).click();
    await page.waitForURL(/\/catalog$/);
    assert.equal(await page.getByRole('link', { name: '数据目录' }).getAttribute('aria-current'), 'page');

    await page.getByLabel('关键词').fill('公示');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/\/catalog\?q=/);
    assert.deepEqual(await resultNames(page), [w.openLicences.name], 'only the dataset with the words in its name is listed');
    await screenshot(page, 'catalog-search-words');

    await page.getByLabel('关键词').fill('');
    await page.getByLabel('更新周期').selectOption({ label: '每月' });
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/updateCycle=monthly/);
    assert.deepEqual(await resultNames(page), [monthly.name]);
    const row = page.getByRole('row', { name: new RegExp(monthly.name) });
    assert.match((await row.textContent()) ?? '', /新余市税务局.*部门信息资源.*有条件共享.*每月/);
    assert.equal(await page.getByLabel('更新周期').inputValue(), 'monthly', 'the filter keeps its choice');

    await page.getByLabel('提供部门').selectOption({ label: '新余市市场监督管理局' });
    await page.getByLabel('更新周期').selectOption({ label: '全部' });
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/provider=/);
    const byProvider = await resultNames(page);
    assert.ok(byProvider.includes(w.licences.name) && !byProvider.includes(monthly.name), byProvider.join(','));
    await screenshot(page, 'catalog-filter-provider');

    await page.getByRole('link', { name: w.licences.name }).click();
    await page.waitForURL(new RegExp(`/catalog/${w.licences.code}$`));
    await page.getByRole('heading', { level: 1, name: w.licences.name }).waitFor();
    const fields = page.getByRole('table').first();
    const legalRep = fields.getByRole('row', { name: /法定代表人/ });
    assert.match((await legalRep.textContent()) ?? '', /法定代表人.*legalRepresentative.*个人信息.*有条件共享.*姓名脱敏/);
    await assert.doesNotReject(fields.getByRole('columnheader', { name: '字段编码' }).waitFor(), 'the same term as on the case page');
    assert.match((await fields.getByRole('row', { name: /统一社会信用代码/ }).textContent()) ?? '', /DE00011.*公开/);
    // a consumer may not see the provider's batches: the section is left out, not refused
    assert.equal(await page.getByRole('heading', { name: '近期发布情况' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: '申请共享' }).count(), 1);
    await screenshot(page, 'catalog-dataset-consumer');
    await page.context().close();
  });

  it("the provider's approver sees the dataset's recent batches with their counts", async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, web.baseUrl, w.approverA.user.username, w.approverA.password);
    await page.goto(`${web.baseUrl}/catalog/${w.licences.code}`);
    await page.getByRole('heading', { name: '近期发布情况' }).waitFor();
    const batch = page.getByRole('row', { name: /b-2026-001/ });
    assert.match((await batch.textContent()) ?? '', /b-2026-001\s*3\s*3\s*0\s*0\s*0/);
    await screenshot(page, 'catalog-dataset-provider');
    await page.context().close();
  });

  it('a refusal of the form names the field in Chinese and keeps what was typed; then the request is filed with exactly the ticked fields', async () => {
    const page = await officer();
    await page.goto(`${web.baseUrl}/catalog/${w.licences.code}`);
    const form = page.locator('form[action$="/request"]');
    await form.getByLabel('用途').fill('企业开办审批');
    await form.getByLabel('申请依据').fill('《优化营商环境条例》第三十七条');
    await form.getByLabel('接口拉取').check();
    await form.getByRole('button', { name: '提交共享申请' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /申请的数据项：请至少勾选一个数据项/);
    assert.equal(await form.getByLabel('用途').inputValue(), '企业开办审批', 'the purpose is kept');
    assert.equal(await form.getByLabel('申请依据').inputValue(), '《优化营商环境条例》第三十七条');
    assert.equal(await form.getByLabel('接口拉取').isChecked(), true, 'the ticked mode is kept');
    await screenshot(page, 'catalog-request-refused');
    assert.equal((await web.call(w.consumer.token, { method: 'GET', url: '/v1/cases?view=mine' })).json().items.length, 0, 'nothing was filed');

    await form.getByLabel('用途').fill('企');
    await form.getByLabel('企业名称（name）').check();
    await form.getByRole('button', { name: '提交共享申请' }).click();
    await page.getByRole('alert').filter({ hasText: '用途' }).waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /用途：请用至少 2 个字说明用途/);
    assert.equal(await form.getByLabel('企业名称（name）').isChecked(), true, 'the ticked field is kept');

    await form.getByLabel('用途').fill('企业开办审批');
    await form.getByLabel('法定代表人（legalRepresentative）').check();
    await form.getByLabel('使用期限（天）').fill('180');
    await form.getByLabel('使用期限（天）').press('Tab');
    assert.equal(await form.getByLabel('使用系统').inputValue(), w.system.system.id, "the department's one system is chosen");
    await screenshot(page, 'catalog-request-form');
    await form.getByRole('button', { name: '提交共享申请' }).click();
    await page.waitForURL(/\/cases\/SQ-[^/?]+$/);
    trackingNo = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    const filed = await web.call(w.consumer.token, { method: 'GET', url: `/v1/cases/${encodeURIComponent(trackingNo)}` });
    assert.equal(filed.statusCode, 200, filed.body);
    const c = filed.json() as Case;
    assert.equal(c.parts.length, 1);
    assert.equal(c.parts[0]!.dataset, w.licences.code);
    assert.deepEqual(c.parts[0]!.fields, ['name', 'legalRepresentative']);
    assert.equal(c.purpose, '企业开办审批');
    assert.equal(c.legalBasis, '《优化营商环境条例》第三十七条');
    assert.deepEqual(c.modes, ['pull']);
    assert.equal(c.durationDays, 180);
    assert.equal(c.requester.system.id, w.system.system.id);
    assert.equal(c.requester.person?.id, w.consumer.user.id);
    await page.context().close();
  });

  it('after a refusal, switching to English lands on the dataset page, in English', async () => {
    const page = await officer();
    await page.goto(`${web.baseUrl}/catalog/${w.openLicences.code}`);
    await page.locator('form[action$="/request"]').getByRole('button', { name: '提交共享申请' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForURL(new RegExp(`/catalog/${w.openLicences.code}$`));
    await page.getByRole('heading', { name: 'Request access' }).waitFor();
    assert.match((await page.getByRole('row', { name: /法定代表人/ }).textContent()) ?? '', /Personal.*Conditional.*Name masked/);
    assert.match((await page.getByRole('row', { name: /企业名称/ }).textContent()) ?? '', /Public.*Unconditional/);
    await screenshot(page, 'catalog-dataset-en');
    await page.context().close();
  });

  it('/requests lists the new case with its state, who handles it now and its due date, in both languages', async () => {
    assert.ok(trackingNo, 'the request of the previous test was filed');
    const c = (await web.call(w.consumer.token, { method: 'GET', url: `/v1/cases/${encodeURIComponent(trackingNo)}` })).json() as Case;
    const page = await officer();
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的申请' }).click();
    await page.waitForURL(/\/requests$/);
    const row = page.getByRole('row', { name: new RegExp(trackingNo) });
    const words = (await row.textContent()) ?? '';
    assert.match(words, new RegExp(`${w.licences.name}.*已提交.*新余市市场监督管理局.*${c.dueOn}.*正常`));
    // the same column titles as the approvals inbox
    for (const title of ['受理编号', '状态', '当前办理人', '收到日期', '办理期限', '期限提示']) {
      await assert.doesNotReject(page.getByRole('columnheader', { name: title, exact: true }).waitFor(), title);
    }
    assert.equal(await row.getByRole('link', { name: trackingNo }).getAttribute('href'), `/cases/${encodeURIComponent(trackingNo)}`);
    await screenshot(page, 'requests-mine');

    await page.getByLabel('状态').selectOption('approved');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/state=approved/);
    assert.equal(await page.getByRole('row', { name: new RegExp(trackingNo) }).count(), 0, 'filtered out by state');
    await page.getByText('没有符合条件的记录。').waitFor();

    await page.goto(`${web.baseUrl}/requests`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForURL(/\/requests$/);
    assert.match((await page.getByRole('row', { name: new RegExp(trackingNo) }).textContent()) ?? '', /Submitted.*On time/);
    await screenshot(page, 'requests-mine-en');
    await page.context().close();
  });
});
