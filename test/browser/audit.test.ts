import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildDepartment, buildNode, buildSystem, buildUser } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { grant } from '../support/registries.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

describe('the console: audit', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  let code: string;
  let other: string;
  const firm = licence(undefined, { name: '新余市审计测试有限公司' });
  const neighbour = licence();
  let auditor: Awaited<ReturnType<typeof buildUser>>;
  let reader: string;

  before(async () => {
    web = await startConsole();
    browser = await openBrowser();
    const market = await buildDepartment(web, { name: '新余市市场监督管理局' });
    const land = await buildDepartment(web, { name: '新余市自然资源局' });
    const node = await buildNode(web, market.id);
    const first = await buildDataset(web, market.id);
    const second = await buildDataset(web, market.id, { name: '食品经营许可信息' });
    code = first.code;
    other = second.code;
    for (const d of [first, second]) {
      const sent = await sendBatch(web, node, d.code, { batchId: `seed-${d.code}`, records: [upsert(firm), upsert(neighbour)] });
      assert.equal(sent.statusCode, 200, sent.body);
    }
    const system = await buildSystem(web, land.id);
    for (const d of [first, second]) {
      await grant(web, system.system.id, d.id, { fields: ['uscc', 'name', 'status'], modes: ['pull'], purpose: '不动产登记核对企业' });
    }
    reader = system.system.name;
    // real reads through the API, each audited: the firm twice in the first dataset, once in the
    // second; its neighbour once
    const read = async (dataset: string, key: string) => {
      const res = await web.call(system.apiKey, { method: 'GET', url: `/v1/datasets/${dataset}/records/${key}` });
      assert.equal(res.statusCode, 200, res.body);
    };
    await read(code, firm.uscc);
    await read(code, neighbour.uscc);
    await read(other, firm.uscc);
    await read(code, firm.uscc);
    // a signed checkpoint anchors both chains, as the exchange writes one every few minutes
    await web.app.checkpoints.checkpoint();
    auditor = await buildUser(web, [{ role: 'auditor' }]);
  });

  it('an auditor searches the access log by dataset and subject, exports exactly those rows as CSV, and sees the chain intact', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, web.baseUrl, auditor.user.username, auditor.password);
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审计' }).click();
    await page.waitForURL(/\/audit$/);

    await page.getByLabel('数据资源编码').fill(code);
    await page.getByLabel(/数据主体/).fill(firm.uscc);
    await page.getByRole('button', { name: '查询' }).click();
    // only a search by subject has its export as a (posted) button: the result page is there
    await page.getByRole('button', { name: /导出 CSV/ }).waitFor();
    const rows = page.locator('table tbody tr');
    // a search by subject is posted: the ID number is in no URL (history, bookmarks, proxies' logs)
    assert.match(page.url(), /\/audit$/);
    assert.equal(await rows.count(), 2, 'the two reads of the firm in that dataset');
    for (let i = 0; i < 2; i++) {
      const row = rows.nth(i);
      assert.match(await row.innerText(), new RegExp(firm.uscc));
      assert.match(await row.innerText(), new RegExp(reader));
      assert.match(await row.innerText(), /新余市自然资源局/);
      assert.match(await row.innerText(), /查询/);
    }
    const shown = (await rows.locator('td:first-child').allInnerTexts()).map((s) => Number(s.trim()));
    assert.equal(await page.title(), '审计 · 数据访问日志 · brx', 'the subject is not in the title');
    await screenshot(page, 'console-audit-access-search');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /导出 CSV/ }).click()]);
    assert.doesNotMatch(page.url(), new RegExp(firm.uscc), 'the export is posted too');
    assert.match(download.suggestedFilename(), /^audit-access-\d{12}\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    assert.equal(csv.charCodeAt(0), 0xfeff, 'a byte-order mark for Excel');
    const lines = csv.slice(1).trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      '序号,时间（北京时间）,访问方类型,访问方,部门,应用系统,数据资源编码,方式,结果,数据主体,字段,记录数,经办人,用途,授权编号,请求编号,哈希',
    );
    const body = lines.slice(1);
    assert.deepEqual(
      body.map((l) => Number(l.split(',')[0])),
      shown,
      'exactly the rows of the search',
    );
    for (const line of body) {
      assert.match(line, new RegExp(`,${code},查询,成功,${firm.uscc},`));
      assert.match(line, /,新余市自然资源局,/);
    }

    // the export is an ordinary response: attachment, CSV, UTF-8
    const direct = await context.request.get(`${web.baseUrl}/audit/access.csv?dataset=${code}`);
    assert.equal(direct.status(), 200);
    assert.match(direct.headers()['content-type'] ?? '', /^text\/csv; charset=utf-8/);
    assert.match(direct.headers()['content-disposition'] ?? '', /^attachment; filename="audit-access-\d{12}\.csv"$/);
    assert.equal((await direct.text()).trimEnd().split('\r\n').length, 1 + 3, 'every read of the dataset: header and three rows');
    // a subject in a web address is refused, not searched
    for (const url of [`/audit?subject=${firm.uscc}`, `/audit/access.csv?subject=${firm.uscc}`, `/audit/subject?id=${firm.uscc}`]) {
      const refused = await context.request.get(`${web.baseUrl}${url}`);
      assert.equal(refused.status(), 400, url);
      assert.match(await refused.text(), /身份号码不放入网址/);
      assert.doesNotMatch(await refused.text(), /不动产登记核对企业/, 'nothing was looked up');
    }

    await page.getByRole('link', { name: '管理操作日志' }).click();
    await page.waitForURL(/\/audit\/admin$/);
    const everything = page.locator('table tbody tr');
    await everything.first().waitFor();
    // operations in words, details folded: no JSON, no UUID on the page
    const all = await page.locator('table tbody').innerText();
    assert.match(all, /新建部门/);
    assert.match(all, /发布数据资源/);
    assert.doesNotMatch(all, /\{"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 120 * (await everything.count()) + 600, `a readable page, not ${height} px`);
    await screenshot(page, 'console-audit-admin');
    await page.getByLabel('操作').selectOption({ label: '新建部门' });
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/\/audit\/admin\?.*action=department\.create/);
    const created = page.locator('table tbody tr', { hasText: '新余市自然资源局' }).first();
    assert.match(await created.innerText(), /新建部门/);
    assert.ok((await page.locator('table tbody tr').count()) >= 2);
    // the department column is wide enough for a name on one line
    const cell = (await created.locator('td').nth(3).boundingBox())!;
    assert.ok(cell.width > 100, `the department column is ${cell.width} px wide`);
    await created.locator('summary').click();
    assert.match(await created.locator('details').innerText(), /name\s+新余市自然资源局/);

    await page.getByRole('link', { name: '日志链核验' }).click();
    await page.waitForURL(/\/audit\/verify$/);
    await assert.doesNotReject(page.getByText('审计日志链完整').waitFor());
    const logs = page.locator('table tbody tr');
    assert.equal(await logs.count(), 2);
    assert.match(await logs.nth(1).innerText(), /数据访问日志\s+完整/);
    await page.getByRole('button', { name: '启动全量核验' }).click();
    await page.waitForURL(/\/audit\/verify\?job=[0-9a-f-]{36}$/);
    // the job runs in the background: its result shows on reload
    for (let i = 0; i < 100 && (await page.getByText('已完成').count()) === 0; i++) await page.reload();
    await assert.doesNotReject(page.getByText('已完成').waitFor());
    await assert.doesNotReject(page.getByText('全量核验：全部条目与全部签名检查点').waitFor());
    assert.equal(await page.getByText('审计日志链完整').count(), 2, 'the quick check and the full verification both hold');
    await assert.doesNotReject(page.getByText('检查 2 个，有效 2 个，问题 0 个').waitFor());
    await screenshot(page, 'console-audit-verify');
    await page.getByRole('button', { name: 'English' }).click();
    await assert.doesNotReject(page.getByText('The audit chain is intact').first().waitFor());
    await assert.doesNotReject(page.getByRole('heading', { name: 'Audit · Chain verification' }).waitFor());
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '审计 · 日志链核验' }).waitFor();

    await page.getByRole('link', { name: '数据使用记录' }).click();
    await page.getByLabel(/数据主体/).fill(firm.uscc);
    await page.getByRole('button', { name: '查看' }).click();
    await page.locator('table tbody tr').first().waitFor();
    assert.equal(await page.locator('table tbody tr').count(), 3, 'three reads of the firm, in either dataset');
    assert.match(await page.locator('table tbody').innerText(), /不动产登记核对企业/);
    assert.doesNotMatch(await page.title(), new RegExp(firm.uscc));
    assert.doesNotMatch(page.url(), new RegExp(firm.uscc));
    await screenshot(page, 'console-audit-subject-report');
    await context.close();
  });

  it('a full verification before the first checkpoint says so, not that the logs were tampered with; an altered checkpoint still fails', async () => {
    const fresh = await startConsole({ BRX_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '300' });
    await buildDepartment(fresh, { name: '新余市数据管理局' });
    const someone = await buildUser(fresh, [{ role: 'auditor' }]);
    const page = await browser.newPage();
    await signIn(page, fresh.baseUrl, someone.user.username, someone.password);
    const fullVerification = async () => {
      await page.goto(`${fresh.baseUrl}/audit/verify`);
      await page.getByRole('button', { name: '启动全量核验' }).click();
      await page.waitForURL(/\/audit\/verify\?job=[0-9a-f-]{36}$/);
      for (let i = 0; i < 100 && (await page.getByText('已完成').count()) === 0; i++) await page.reload();
      await page.getByText('已完成').waitFor();
    };

    await fullVerification();
    await assert.doesNotReject(page.getByText(/^签名检查点尚未覆盖这些日志（管理操作日志(、数据访问日志)?）：首个检查点在 300 秒内或停止服务时写入；日志链本身完整。$/).waitFor());
    assert.equal(await page.getByText('签名检查点核对未通过').count(), 0, 'not a failure');
    assert.equal(await page.getByRole('alert').count(), 0);
    await assert.doesNotReject(page.getByText(/完成，日志链完整，签名检查点尚未覆盖/).waitFor());
    await assert.doesNotReject(page.getByText(/检查点文件中还没有管理操作日志的检查点（该日志已有 \d+ 条）/).waitFor());
    assert.doesNotMatch(await page.locator('main').innerText(), /nothing in it is anchored/, "no English in the Chinese page");
    await screenshot(page, 'console-audit-verify-unanchored');
    await page.getByRole('button', { name: 'English' }).click();
    await assert.doesNotReject(page.getByText(/No signed checkpoint covers these logs yet .*within 300 seconds/).waitFor());
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '审计 · 日志链核验' }).waitFor();

    // a checkpoint line altered after it was signed is a real failure, in the interface language
    await fresh.app.checkpoints.checkpoint();
    const file = fresh.config.auditCheckpointFile;
    const [first, ...rest] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${[JSON.stringify({ ...JSON.parse(first!), headHash: 'f'.repeat(64) }), ...rest].join('\n')}\n`);
    await fullVerification();
    await assert.doesNotReject(page.getByRole('alert').getByText('签名检查点核对未通过').waitFor());
    await assert.doesNotReject(page.getByText(/第 1 行（.*第 \d+ 条）的签名不成立：该行被改动过/).waitFor());
    assert.equal(await page.getByText('签名检查点尚未覆盖').count(), 0);
    await screenshot(page, 'console-audit-verify-altered');
    await page.close();
  });

  it('someone without the auditor role has no Audit item and is refused at /audit', async () => {
    const market = await buildDepartment(web);
    const admin = await buildUser(web, [{ role: 'dept_admin', departmentId: market.id }]);
    const page = await browser.newPage();
    await signIn(page, web.baseUrl, admin.user.username, admin.password);
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.waitFor();
    assert.equal(await nav.getByRole('link', { name: '审计' }).count(), 0);
    const res = await page.goto(`${web.baseUrl}/audit`);
    assert.equal(res?.status(), 403);
    await assert.doesNotReject(page.getByRole('alert').getByText('您无权进行此操作').waitFor());
    assert.equal(await page.locator('table').count(), 0);
    const csv = await page.goto(`${web.baseUrl}/audit/access.csv`);
    assert.equal(csv?.status(), 403);
    await screenshot(page, 'console-audit-refused');
    await page.close();
  });
});
