import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Case, Grant } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { adminPassword } from '../support/app.ts';
import { acted, at, buildCaseWorld, type CaseWorld, caseOf, fileRequest } from '../support/cases.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

// Monday 2 March 2026: a request filed then is due on Monday 16 March (10 working days). The clock stays
// behind the real one: session expiry is stamped by the database's clock, the cookie's Max-Age by the app's.
const clock = new ManualClock(at('2026-03-02'));

describe('the approvals inbox, the case page and my grants', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  let w: CaseWorld;
  let first: Case;

  const person = (who: { user: { username: string }; password: string }) => who;
  async function as(who: { user: { username: string }; password: string }): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, web.baseUrl, who.user.username, who.password);
    return page;
  }
  const licenceRequest = () => ({
    system: w.system.system.id,
    datasets: [{ code: w.licences.code, fields: ['uscc', 'name', 'legalRepresentative', 'status'] }],
    legalBasis: '《社会保险法》第五十八条',
    purpose: '社保参保单位资格核验',
  });

  before(async () => {
    web = await startConsole({}, { clock });
    browser = await openBrowser();
    w = await buildCaseWorld(web);
    const consumer = await web.login(w.consumer.user.username, w.consumer.password);
    first = await fileRequest(web, consumer, licenceRequest());
    assert.equal(first.dueOn, '2026-03-16');
    // Friday 13 March: one working day left, so the case is flagged yellow
    clock.set(at('2026-03-13'));
  });

  it('an approver opens a case from the inbox, narrows the fields and approves; the requester sees exactly that grant', async () => {
    const page = await as(person(w.approverA));
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审批待办' }).click();
    await page.waitForURL(/\/cases$/);
    const row = page.getByRole('row').filter({ hasText: first.trackingNo });
    await assert.doesNotReject(row.getByText('临期').waitFor(), 'the yellow flag, in words');
    await assert.doesNotReject(row.getByText('剩 1 个工作日').waitFor(), 'working days left on the calendar');
    assert.equal(await page.getByRole('main').getByRole('link', { name: '我的授权' }).count(), 0, 'no stray link under the table (the navigation has it)');
    await screenshot(page, 'cases-inbox');

    await row.getByRole('link', { name: first.trackingNo }).click();
    await page.waitForURL(new RegExp(`/cases/${first.trackingNo}$`));
    await assert.doesNotReject(page.getByRole('heading', { name: `案件 ${first.trackingNo}` }).waitFor());
    await assert.doesNotReject(page.getByText('社保参保单位资格核验').waitFor(), 'the purpose is among the facts');
    await page.getByRole('region', { name: '受理' }).getByRole('button', { name: '受理' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('已完成：受理。').waitFor());

    const approve = page.getByRole('region', { name: `同意：${w.licences.name}` });
    const legalRep = approve.getByLabel('法定代表人（legalRepresentative）', { exact: false });
    assert.equal(await legalRep.nth(1).isChecked(), true, 'a field whose contract masks it is ticked to be shared masked');
    await legalRep.first().uncheck();
    await approve.getByLabel('理由（部分同意时必填）', { exact: true }).fill('法定代表人信息超出本次核验用途');
    await screenshot(page, 'cases-approve-narrowed');
    await approve.getByRole('button', { name: '同意' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('已完成：同意。').waitFor());
    await assert.doesNotReject(page.getByText('法定代表人信息超出本次核验用途').first().waitFor(), 'the reason is on the timeline');
    // each field says what was decided for it
    const fieldRows = page.getByRole('table', { name: new RegExp(w.licences.name) });
    await assert.doesNotReject(fieldRows.getByRole('columnheader', { name: '处理结果' }).waitFor());
    assert.match((await fieldRows.getByRole('row', { name: /法定代表人/ }).textContent()) ?? '', /不予共享/, 'the field left out is refused');
    assert.match((await fieldRows.getByRole('row', { name: /企业名称/ }).textContent()) ?? '', /同意/);
    assert.equal(await fieldRows.getByText('待审批').count(), 0, 'nothing is left to review');
    await screenshot(page, 'cases-approved');
    await page.context().close();

    // the requester: the grant holds exactly the narrowed fields
    const requester = await as(person(w.consumer));
    await requester.goto(`${web.baseUrl}/grants`);
    const grantRow = requester.getByRole('row').filter({ hasText: first.trackingNo });
    await assert.doesNotReject(grantRow.getByText('统一社会信用代码、企业名称、登记状态').waitFor());
    assert.equal(await grantRow.getByText('法定代表人').count(), 0, 'the field left out is not granted');
    await assert.doesNotReject(grantRow.getByText('有效').waitFor());
    await screenshot(requester, 'grants-requester');
    await requester.goto(`${web.baseUrl}/cases/${first.trackingNo}`);
    await requester.getByRole('link', { name: '查看授权' }).click();
    await requester.waitForURL(/\/grants\/[0-9a-f-]{36}$/);
    await assert.doesNotReject(requester.getByRole('heading', { name: `授权：${w.licences.name}` }).waitFor());
    await assert.doesNotReject(requester.getByText('统一社会信用代码、企业名称、登记状态').waitFor(), 'the grant page lists the granted fields');

    const token = await web.login(w.consumer.user.username, w.consumer.password);
    const grants = (await web.call(token, { method: 'GET', url: '/v1/grants?view=held' })).json().items as Grant[];
    const grant = grants.find((g) => g.caseNo === first.trackingNo)!;
    assert.deepEqual([...grant.fields].sort(), ['name', 'status', 'uscc']);
    assert.equal((await caseOf(web, token, first.trackingNo)).state, 'partially_approved');

    // my requests: the same state word and the same due date as the case page, though the case is closed
    await requester.goto(`${web.baseUrl}/requests`);
    const mine = requester.getByRole('row', { name: new RegExp(first.trackingNo) });
    assert.match((await mine.textContent()) ?? '', /部分同意.*2026-03-16.*已办结/);
    await assert.doesNotReject(requester.getByRole('columnheader', { name: '办理期限' }).waitFor());
    await assert.doesNotReject(requester.getByRole('columnheader', { name: '收到日期' }).waitFor());
    await screenshot(requester, 'requests-closed-case');
    await requester.context().close();
  });

  it('a supplement round: one checklist of two items, both supplied, back to the approver with both steps on the timeline', async () => {
    const consumer = await web.login(w.consumer.user.username, w.consumer.password);
    const c = await fileRequest(web, consumer, licenceRequest());

    const approver = await as(person(w.approverA));
    await approver.goto(`${web.baseUrl}/cases/${c.trackingNo}`);
    const ask = approver.getByRole('region', { name: '要求补正' });
    await ask.getByLabel('加盖公章的用途说明').check();
    await ask.getByLabel('数据安全承诺书').check();
    await ask.getByLabel(/补正原因/).fill('申请材料不全，暂停计时');
    await ask.getByRole('button', { name: '一次性告知补正' }).click();
    await assert.doesNotReject(approver.getByRole('status').getByText('已完成：要求补正。').waitFor());

    const requester = await as(person(w.consumer));
    await requester.goto(`${web.baseUrl}/cases`);
    await requester.getByRole('link', { name: c.trackingNo }).click();
    await assert.doesNotReject(requester.getByText('待补正').first().waitFor());
    const supply = requester.getByRole('region', { name: '补正材料' });
    await supply.getByLabel('补正：加盖公章的用途说明').fill('已加盖公章，编号 HR-2027-031');
    await supply.getByLabel('补正：数据安全承诺书').fill('承诺书已签署，原件报送市数据局');
    await screenshot(requester, 'cases-supplement-requester');
    await supply.getByRole('button', { name: '提交补正材料' }).click();
    await assert.doesNotReject(requester.getByRole('status').getByText('已完成：补正材料。').waitFor());
    await requester.context().close();

    await approver.reload();
    const timeline = approver.getByRole('region', { name: '办理过程' });
    await assert.doesNotReject(timeline.getByText('要求补正').waitFor());
    await assert.doesNotReject(timeline.getByText('补正材料').waitFor());
    await assert.doesNotReject(timeline.getByText(/【数据安全承诺书】承诺书已签署/).waitFor());
    await assert.doesNotReject(approver.getByRole('region', { name: '受理' }).waitFor(), 'back with the approver, who may accept it now');
    await screenshot(approver, 'cases-supplement-returned');
    await approver.context().close();

    const seen = await caseOf(web, consumer, c.trackingNo);
    assert.equal(seen.state, 'submitted');
    const asked = seen.timeline!.find((e) => e.action === 'request_supplement')!;
    assert.deepEqual(asked.detail.items, ['加盖公章的用途说明', '数据安全承诺书']);
    assert.match(seen.timeline!.find((e) => e.action === 'supplement')!.note, /【加盖公章的用途说明】已加盖公章/);
  });

  it('a refusal without a legal basis is refused in Chinese, naming the field, and keeps the reason typed', async () => {
    const consumer = await web.login(w.consumer.user.username, w.consumer.password);
    const approverToken = await web.login(w.approverA.user.username, w.approverA.password);
    const c = await fileRequest(web, consumer, licenceRequest());
    await acted(web, approverToken, c.trackingNo, { action: 'accept' });

    const page = await as(person(w.approverA));
    await page.goto(`${web.baseUrl}/cases/${c.trackingNo}`);
    const refuse = page.getByRole('region', { name: `不予共享：${w.licences.name}` });
    await refuse.getByLabel('理由（必填）').fill('申请用途与该数据无关');
    await refuse.getByRole('button', { name: '不予共享' }).click();
    const alert = page.getByRole('alert');
    await assert.doesNotReject(alert.getByText('提交的内容有误').waitFor());
    await assert.doesNotReject(alert.getByText('法律依据：').waitFor(), 'the field is named');
    await assert.doesNotReject(alert.getByText('为必填项').waitFor());
    const again = page.getByRole('region', { name: `不予共享：${w.licences.name}` });
    assert.equal(await again.getByLabel('理由（必填）').inputValue(), '申请用途与该数据无关', 'what was typed is kept');
    await screenshot(page, 'cases-refusal-needs-legal-basis');

    // the case is untouched; with the legal basis the refusal goes through
    assert.equal((await caseOf(web, consumer, c.trackingNo)).state, 'under_review');
    await again.getByLabel('法律依据（必填）').fill('《政务数据共享条例》第十五条');
    await again.getByRole('button', { name: '不予共享' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('已完成：不予共享。').waitFor());
    assert.equal((await caseOf(web, consumer, c.trackingNo)).state, 'rejected');

    // the same page in English
    await page.getByRole('button', { name: 'English' }).click();
    await assert.doesNotReject(page.getByRole('heading', { name: `Case ${c.trackingNo}` }).waitFor());
    await assert.doesNotReject(page.getByRole('region', { name: 'Timeline' }).getByText('Refused').first().waitFor());
    await assert.doesNotReject(page.getByText('Clock paused or stopped').waitFor(), 'a closed case has no working days left');
    await screenshot(page, 'cases-rejected-en');
    await page.context().close();
  });

  it('the backup post sees that it acts for the absent primary', async () => {
    const admin = await web.login('admin', adminPassword);
    const today = '2026-03-13';
    const away = await web.call(admin, { method: 'POST', url: `/v1/users/${w.approverA.user.id}/absences`, payload: { from: today, until: today, reason: '外出培训' } });
    assert.equal(away.statusCode, 201, away.body);
    const consumer = await web.login(w.consumer.user.username, w.consumer.password);
    const c = await fileRequest(web, consumer, licenceRequest());
    assert.equal(c.parts[0]!.actingFor?.id, w.approverA.user.id);

    const page = await as(person(w.backupA));
    await page.goto(`${web.baseUrl}/cases/${c.trackingNo}`);
    const primary = c.parts[0]!.actingFor!.name;
    await assert.doesNotReject(page.getByText(`您正以 ${primary} 的 B 角身份办理「${w.licences.name}」`).waitFor());
    await page.getByRole('region', { name: '受理' }).getByRole('button', { name: '受理' }).click();
    await assert.doesNotReject(page.getByRole('region', { name: '办理过程' }).getByText(`（代 ${primary}）`).waitFor(), 'the timeline says for whom');
    await screenshot(page, 'cases-backup-post');
    await page.context().close();
  });
});
