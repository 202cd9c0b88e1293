import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminPassword } from '../support/app.ts';
import { chromiumMissing, type Console, openBrowser, screenshot, signIn, startConsole } from './support.ts';

describe('the console: sign-in, session cookie, sign-out', { skip: chromiumMissing }, () => {
  let web: Console;
  let browser: Browser;
  before(async () => {
    web = await startConsole();
    browser = await openBrowser();
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie, serves a strict CSP, and signing out revokes the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${web.baseUrl}/`);
    assert.match(page.url(), /\/login\?next=%2F$/, 'an anonymous visitor is sent to the sign-in page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    const csp = first!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);

    await signIn(page, web.baseUrl, 'admin', adminPassword);
    await page.getByRole('navigation', { name: '主导航' }).waitFor();
    const session = (await context.cookies()).find((c) => c.name === 'brx_session');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.secure, false, 'plain http on loopback: not Secure (it is over TLS)');
    await screenshot(page, 'console-dashboard-admin');

    // the cookie is the API's session: signing out revokes it there too
    const token = session.value;
    assert.equal((await web.call(token, { method: 'GET', url: '/v1/auth/me' })).statusCode, 200);
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/login\?bye=1$/);
    assert.equal((await web.call(token, { method: 'GET', url: '/v1/auth/me' })).statusCode, 401);
    assert.equal((await context.cookies()).some((c) => c.name === 'brx_session'), false);
    await context.close();
  });

  it('a wrong password is refused in the interface language, and English is one click away', async () => {
    const page = await browser.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('用户名').fill('admin');
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await assert.doesNotReject(page.getByRole('alert').getByText('用户名或密码错误').waitFor());
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('still-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await assert.doesNotReject(page.getByRole('alert').getByText('Wrong username or password').waitFor());
    await screenshot(page, 'console-sign-in-refused-en');
    await page.close();
  });
});
