import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { adminPassword } from '../support/app.ts';
import { onFileEnd } from '../support/database.ts';
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

  it('refuses a form posted from another site, a post without the token, and a token of another session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, web.baseUrl, 'admin', adminPassword);
    const token = (await context.cookies()).find((c) => c.name === 'brx_session')!.value;
    const alive = async () => (await web.call(token, { method: 'GET', url: '/v1/auth/me' })).statusCode === 200;

    // another origin on the same host (same site, so even SameSite=Strict cookies go along): a
    // page that posts a form to the console the moment it loads
    const attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><form method="post" action="${web.baseUrl}/logout"><input name="_csrf" value="forged"></form>
        <script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    onFileEnd(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
    const answer = page.waitForResponse((r) => r.url() === `${web.baseUrl}/logout`);
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    assert.equal((await answer).status(), 403);
    await assert.doesNotReject(page.getByRole('alert').getByText('页面已过期或来源不可信，请刷新页面后重试').waitFor());
    await screenshot(page, 'console-cross-site-post-refused');
    assert.ok(await alive(), 'the forged sign-out did nothing');

    // without an Origin header (not a browser), the CSRF token alone decides
    const bare = await context.request.post(`${web.baseUrl}/logout`, { form: { x: '1' }, maxRedirects: 0 });
    assert.equal(bare.status(), 403);
    assert.match(await bare.text(), /页面已过期或来源不可信/, 'told as a cross-site refusal, not a validation error');
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signIn(otherPage, web.baseUrl, 'admin', adminPassword);
    const othersToken = await otherPage.locator('form[action="/logout"] input[name="_csrf"]').getAttribute('value');
    const borrowed = await context.request.post(`${web.baseUrl}/logout`, { form: { _csrf: othersToken! }, maxRedirects: 0 });
    assert.equal(borrowed.status(), 403, "a token is worthless in another person's session");
    assert.ok(await alive());

    // the console's own form, with its token, does sign out
    await page.goto(`${web.baseUrl}/`);
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/login\?bye=1$/);
    assert.equal(await alive(), false);
    await context.close();
    await other.close();
  });
});
