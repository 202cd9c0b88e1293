import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Department, NodeCreated, SystemCreated, User } from '../../contracts/generated/api.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { ensureFirstAdmin } from '../../exchange/bootstrap.ts';
import { type Clock, systemClock } from '../../exchange/clock.ts';
import { type Config, loadConfig } from '../../exchange/config.ts';
import { buildApp } from '../../exchange/server.ts';
import { createTestDatabase, onFileEnd, type TestDatabase } from './database.ts';
import { assertDocumented } from './openapi-check.ts';
import { kafkaAppEnv } from './kafka-broker.ts';

export const adminPassword = 'admin-password-for-tests';

/** The official (X-Operator) on whose behalf the tests' consuming systems read: a valid ID number. */
export const officer = '360502198001010015';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly database: TestDatabase;
  readonly config: Config;
  /** the app's clock: every time the app compares against comes from it */
  readonly clock: Clock;
  readonly adminToken: string;
  /** inject with a bearer token; JSON bodies as objects */
  call(token: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  login(username: string, password: string): Promise<string>;
}

let currentClock: Clock = systemClock;

function pathOf(options: InjectOptions): string {
  const url = options.url ?? options.path ?? '/';
  return typeof url === 'string' ? url : (url.pathname ?? '/');
}

/**
 * The clock of the test app started last in this file: fixtures that stamp times (a record's
 * source time) take them from it, so they never lie ahead of the app's "now" on any date.
 */
export function testClock(): Clock {
  return currentClock;
}

/**
 * The real server on a fresh database of its own (or the one given), with a platform admin
 * logged in.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { clock?: Clock; database?: TestDatabase } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // key files and other state an app keeps under BRX_HOME go to a folder of its own, never the checkout
  const home = await mkdtemp(path.join(os.tmpdir(), 'brx-app-'));
  onFileEnd(() => rm(home, { recursive: true, force: true }));
  const config = loadConfig({
    BRX_HOME: home,
    BRX_ADMIN_PASSWORD: adminPassword,
    BRX_LOG_LEVEL: 'silent',
    BRX_SCHEDULER_INTERVAL_SECONDS: '0',
    // a test file run again on the Kafka backbone (kafka-*.test.ts) sets this
    ...(process.env.BRX_TEST_EVENT_LOG === 'kafka' ? kafkaAppEnv('app') : {}),
    ...env,
  });
  await ensureFirstAdmin(database.db, config);
  const clock = options.clock ?? systemClock;
  currentClock = clock;
  const app = await buildApp({ config, db: database.db, ownerDb: database.ownerDb, logger: false, clock });
  onFileEnd(() => app.close());
  const call = async (token: string | null, options: InjectOptions) => {
    const given = (options.headers ?? {}) as Record<string, string | undefined>;
    // a consuming system names the official it reads for; a test that is about that header says so
    const operator = token?.startsWith('brxy_') && !('x-operator' in given) ? { 'x-operator': officer } : {};
    const headers = Object.fromEntries(Object.entries({ ...operator, ...given }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const res = await app.inject({ ...options, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    // every response a test sees must be one the OpenAPI document promises
    await assertDocumented(app, options.method ?? 'GET', pathOf(options), res);
    return res;
  };
  const login = async (username: string, password: string) => {
    const res = await call(null, { method: 'POST', url: '/v1/auth/login', payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
    return res.json().token as string;
  };
  return { app, database, config, clock, adminToken: await login('admin', adminPassword), call, login };
}

let sequence = 0;

/** A valid organ USCC that no other fixture in this process uses. */
export function uniqueUscc(region = '360500'): string {
  sequence += 1;
  return composeUscc('1', '1', region, String(10_000_000 + sequence * 7919).slice(-8));
}

export async function buildDepartment(t: TestApp, overrides: Partial<Record<string, unknown>> = {}): Promise<Department> {
  const res = await t.call(t.adminToken, {
    method: 'POST',
    url: '/v1/departments',
    payload: { code: uniqueUscc(), name: `测试部门${sequence}`, level: 'city', ...overrides },
  });
  if (res.statusCode !== 201) throw new Error(`buildDepartment: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function buildUser(
  t: TestApp,
  roles: { role: string; departmentId?: string | null }[],
  password = 'a-long-enough-password',
): Promise<{ user: User; token: string; password: string }> {
  sequence += 1;
  const username = `user${sequence}-${Date.now() % 100000}`;
  const res = await t.call(t.adminToken, {
    method: 'POST',
    url: '/v1/users',
    payload: { username, displayName: `测试用户${sequence}`, password, roles },
  });
  if (res.statusCode !== 201) throw new Error(`buildUser: ${res.statusCode} ${res.body}`);
  return { user: res.json().user, token: await t.login(username, password), password };
}

export async function buildNode(
  t: TestApp,
  departmentId: string,
): Promise<NodeCreated & { privateKey: KeyObject }> {
  sequence += 1;
  const keys = generateKeyPairSync('ed25519');
  const res = await t.call(t.adminToken, {
    method: 'POST',
    url: `/v1/departments/${departmentId}/nodes`,
    payload: { name: `node-${sequence}`, publicKey: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() },
  });
  if (res.statusCode !== 201) throw new Error(`buildNode: ${res.statusCode} ${res.body}`);
  return { ...res.json(), privateKey: keys.privateKey };
}

export async function buildSystem(t: TestApp, departmentId: string): Promise<SystemCreated> {
  sequence += 1;
  const res = await t.call(t.adminToken, {
    method: 'POST',
    url: `/v1/departments/${departmentId}/systems`,
    payload: { name: `system-${sequence}` },
  });
  if (res.statusCode !== 201) throw new Error(`buildSystem: ${res.statusCode} ${res.body}`);
  return res.json();
}
