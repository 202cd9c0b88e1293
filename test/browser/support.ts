import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Clock } from '../../exchange/clock.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { onFileEnd } from '../support/database.ts';

const executablePath = process.env.BRX_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests are skipped on this machine, or false when Chromium is there. */
export const chromiumMissing: string | false = existsSync(executablePath)
  ? false
  : process.env.BRX_TEST_BROWSER_REQUIRED
    ? (() => {
        throw new Error(`Chromium is required and missing at ${executablePath}`);
      })()
    : `Chromium is not installed at ${executablePath} (apt-get install chromium; .ci/run installs it)`;

export interface Console extends TestApp {
  /** where the console listens, e.g. http://127.0.0.1:40123 */
  readonly baseUrl: string;
}

/** The exchange on a real port (a browser needs one), on a database of its own. */
export async function startConsole(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<Console> {
  const t = await startTestApp(env, options);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the console did not listen on a port');
  return { ...t, baseUrl: `http://127.0.0.1:${address.port}` };
}

/**
 * Debian's Chromium, headless, driven by Playwright. It runs on the real clock even when the
 * suite runs under libfaketime (the library is not passed on): cookies carry Max-Age, so the
 * browser's date does not matter.
 */
export async function openBrowser(): Promise<Browser> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/.test(k)),
  ) as Record<string, string>;
  const browser = await chromium.launch({
    executablePath,
    env,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  onFileEnd(() => browser.close());
  return browser;
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

const screenshots = path.resolve('test-output', 'screenshots');

/** Saves the page as test-output/screenshots/<name>.png and prints where, with the test's output. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshots, { recursive: true });
  const file = path.join(screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${path.relative(process.cwd(), file)}`);
  return file;
}
