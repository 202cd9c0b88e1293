import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { adminPassword } from '../support/app.ts';
import { buildDashboardWorld } from '../support/dashboard.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

/** axe-core's WCAG 2.1 A and AA rules (labels, contrast, landmarks, names of controls …): what fails, by rule. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the console for keyboards, screen readers and eyes', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  let world: Awaited<ReturnType<typeof buildDashboardWorld>>;
  before(async () => {
    web = await startConsole();
    world = await buildDashboardWorld(web);
    browser = await openBrowser();
  });

  it('signs in with the keyboard alone', async () => {
    const page = await browser.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', 'the first stop is the username');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(adminPassword);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${web.baseUrl}/`);
    // the first Tab on a page offers to skip the navigation
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '跳到正文');
    await screenshot(page, 'console-keyboard-skip-link');
    await page.close();
  });

  it('every page passes the WCAG 2.1 AA rules axe-core checks, in both languages', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${web.baseUrl}/login`);
    const login = await violations(page);
    assert.deepEqual(login, [], '/login');
    await signIn(page, web.baseUrl, 'admin', adminPassword);
    const pages = ['/', '/catalog', `/catalog/${world.licences.code}`, '/cases', `/cases/${world.trackingNo}`, '/grants', '/publishing', `/publishing/${world.licences.code}`, '/audit'];
    for (const lang of ['zh', 'en']) {
      for (const path of pages) {
        const res = await page.goto(`${web.baseUrl}${path}`);
        assert.equal(res!.status(), 200, `${path} answers`);
        assert.deepEqual(await violations(page), [], `${path} (${lang})`);
      }
      if (lang === 'zh') await page.getByRole('button', { name: 'English' }).click();
    }
    await screenshot(page, 'console-audit-en');
    await context.close();
  });
});
