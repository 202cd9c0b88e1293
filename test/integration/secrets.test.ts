import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { NodeCreated, SystemCreated } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { loadConfig } from '../../exchange/config.ts';
import { migrationsDir } from '../../exchange/db/migrate.ts';
import { verifyWebhook } from '../../exchange/delivery/webhook.ts';
import { SecretBox, sealedWith } from '../../exchange/secrets/keyring.ts';
import { rotateSecretKeys } from '../../exchange/secrets/rotate.ts';
import { buildApp } from '../../exchange/server.ts';
import { deliverWebhooks } from '../../exchange/subscriptions/webhooks.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';
import { grant } from '../support/registries.ts';
import { loopbackReceivers, startReceiver } from '../support/receiver.ts';

let t: TestApp;
let node: NodeCreated & { privateKey: KeyObject };
let providers: string;
let consumers: string;
const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));
const hookSecret = 'subscription-secret-in-the-clear-0001';
const notifySecret = 'notify-secret-in-the-clear-0002';
let subscriber: SystemCreated;
let subscriptionId: string;
let dataset: string;
let batchNo = 0;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

const storedSecrets = async () =>
  (
    await sql<{ value: string }>`select secret as value from subscriptions where secret is not null
                                 union all select notify_secret from systems where notify_secret is not null`.execute(t.database.db)
  ).rows.map((r) => r.value);

async function publish() {
  batchNo += 1;
  const res = await sendBatch(t, node, dataset, { batchId: `k${batchNo}`, records: [upsert(licence())] });
  assert.equal(res.statusCode, 200, res.body);
}

const keyFile = async (): Promise<{ id: string; retiredAt?: string }[]> => JSON.parse(await readFile(t.config.secretKeyFile, 'utf8')).keys;

/** brx keys … as an operator runs it. */
const brxKeys = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['bin/brx.js', 'keys', ...args], {
    env: { ...process.env, DATABASE_URL: t.database.ownerUrl, BRX_DATABASE_APP_URL: t.database.url, BRX_HOME: t.config.home, BRX_SECRET_KEY: '' },
  });

async function deliveryVerifies() {
  await publish();
  assert.equal(await deliverWebhooks(t.app), 1);
  assert.ok(verifyWebhook(hookSecret, received.at(-1)!.headers, received.at(-1)!.body, { now: Math.floor(clock.now().getTime() / 1000) }));
}

/** Another exchange process on the same database, with the configuration given. */
async function startAnother(env: Record<string, string>) {
  const app = await buildApp({ config: loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_SCHEDULER_INTERVAL_SECONDS: '0', ...env }), db: t.database.db, logger: false, clock });
  await app.close();
}

before(async () => {
  t = await startTestApp({ ...loopbackReceivers }, { clock });
  const market = await buildDepartment(t);
  providers = market.id;
  consumers = (await buildDepartment(t)).id;
  node = await buildNode(t, market.id);
  const receiver = await startReceiver((hook, res) => {
    received.push(hook);
    res.writeHead(204).end();
  });
  const d = await buildDataset(t, providers);
  dataset = d.code;
  subscriber = await buildSystem(t, consumers);
  await grant(t, subscriber.system.id, d.id, { fields: ['uscc', 'name'], modes: ['subscribe'], purpose: '监管事项联动' });
  const res = await t.call(subscriber.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset, delivery: 'webhook', url: receiver.url, secret: hookSecret } });
  assert.equal(res.statusCode, 201, res.body);
  subscriptionId = res.json().id;
  const patched = await t.call(t.adminToken, {
    method: 'PATCH',
    url: `/v1/departments/${consumers}/systems/${subscriber.system.id}`,
    payload: { notifyUrl: receiver.url, notifySecret },
  });
  assert.equal(patched.statusCode, 200, patched.body);
});

describe('secrets at rest', () => {
  it('are stored encrypted under the key file made at first start (mode 0600), never in clear', async () => {
    const stored = await storedSecrets();
    assert.equal(stored.length, 2);
    for (const value of stored) {
      assert.match(value, /^enc:v1:[0-9a-f]{16}:/);
      assert.ok(!value.includes(hookSecret) && !value.includes(notifySecret));
      assert.ok(!Buffer.from(value.split(':')[3]!, 'base64').toString('latin1').includes('secret-in-the-clear'));
    }
    const file = t.config.secretKeyFile;
    assert.equal(path.dirname(file), t.config.home);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    // nor in the admin log of the change
    const { rows } = await sql<{ detail: string }>`select detail::text from audit_admin`.execute(t.database.db);
    assert.ok(rows.every((r) => !r.detail.includes(notifySecret) && !r.detail.includes(hookSecret)));

    await publish();
    assert.equal(await deliverWebhooks(t.app), 1);
    assert.ok(verifyWebhook(hookSecret, received.at(-1)!.headers, received.at(-1)!.body, { now: Math.floor(clock.now().getTime() / 1000) }), 'signed with the secret the receiver holds');
  });

  it('saved in clear before the upgrade are encrypted at the next start', async () => {
    // the database as an earlier version left it (secrets in clear), then migration 0010 as it runs
    await sql`update subscriptions set secret = ${hookSecret} where id = ${subscriptionId}`.execute(t.database.db);
    await sql`update systems set notify_secret = ${notifySecret} where id = ${subscriber.system.id}`.execute(t.database.db);
    await sql.raw(await readFile(path.join(migrationsDir, '0010_secrets_at_rest.sql'), 'utf8')).execute(t.database.db);
    assert.deepEqual((await storedSecrets()).sort(), [`plain:${hookSecret}`, `plain:${notifySecret}`].sort());
    await startAnother({ BRX_HOME: t.config.home });
    const stored = await storedSecrets();
    assert.ok(stored.every((v) => /^enc:v1:/.test(v)), 'encrypted at start');
    assert.equal(t.app.secrets.open((await sql<{ v: string }>`select notify_secret as v from systems where id = ${subscriber.system.id}`.execute(t.database.db)).rows[0]!.v, 'systems.notify_secret'), notifySecret);
    await publish();
    assert.equal(await deliverWebhooks(t.app), 1);
    assert.ok(verifyWebhook(hookSecret, received.at(-1)!.headers, received.at(-1)!.body, { now: Math.floor(clock.now().getTime() / 1000) }));
  });

  it('refuse to start under the wrong key file, a damaged one or the wrong BRX_SECRET_KEY, saying so', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'brx-other-'));
    onFileEnd(() => rm(other, { recursive: true, force: true }));
    await assert.rejects(startAnother({ BRX_HOME: other }), /stored webhook secrets are encrypted under keys that .*secret-keys\.json does not hold \(2 under key [0-9a-f]{16}\)/);
    await writeFile(path.join(other, 'secret-keys.json'), '{"version":1,"keys":[{"id":"abc","key":"c2hvcnQ="}]}', { mode: 0o600 });
    await assert.rejects(startAnother({ BRX_HOME: other }), /secret key file .* is damaged/);
    await writeFile(path.join(other, 'secret-keys.json'), 'not json', { mode: 0o600 });
    await assert.rejects(startAnother({ BRX_HOME: other }), /secret key file .* cannot be read/);
    await assert.rejects(startAnother({ BRX_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }), /BRX_SECRET_KEY does not hold/);
  });

  it('are re-encrypted under a new key by brx keys rotate, and deliveries still verify', async () => {
    const before = sealedWith((await storedSecrets())[0]!);
    const lines: string[] = [];
    const report = await rotateSecretKeys(t.config, t.database.db, (l) => lines.push(l));
    assert.equal(report.reencrypted, 2);
    assert.deepEqual(report.retired, [before]);
    assert.notEqual(report.keyId, before);
    assert.ok(lines.some((l) => /subscriptions\.secret: 1\/1 re-encrypted/.test(l)), lines.join('\n'));
    assert.deepEqual(new Set((await storedSecrets()).map(sealedWith)), new Set([report.keyId]));
    const file = await keyFile();
    assert.deepEqual(file.map((k) => k.id), [before, report.keyId], 'the old key stays, after the new one');
    assert.ok(file[0]!.retiredAt && !file[1]!.retiredAt, 'the old key is marked retired');
    assert.equal((await stat(t.config.secretKeyFile)).mode & 0o777, 0o600);

    // the running exchange reads the new key from the file
    await deliveryVerifies();

    // and the command line does the same, showing its progress; the retired key is unused now: dropped
    const rotated = await brxKeys('rotate');
    assert.match(rotated.stdout, /stored secrets: 2/);
    assert.match(rotated.stdout, new RegExp(`dropped retired key ${before}: no stored secret uses it any more`));
    assert.match(rotated.stdout, /systems\.notify_secret: 1\/1 re-encrypted/);
    assert.match(rotated.stdout, /done: 2 secrets re-encrypted under [0-9a-f]{16}/);
    assert.ok(!rotated.stdout.includes(hookSecret) && !rotated.stdout.includes(notifySecret));
    const status = await brxKeys('status');
    const keys = await keyFile();
    assert.deepEqual(keys.map((k) => k.id).slice(0, 1), [report.keyId], `${before} is gone from the file`);
    assert.match(status.stdout, new RegExp(`encrypting key: ${keys.at(-1)!.id}`));
    assert.match(status.stdout, new RegExp(`${keys.at(-1)!.id}: 2 secrets`));
    assert.match(status.stdout, new RegExp(`${report.keyId}: 0 secrets \\(retired: dropped at the next rotate\\)`));
    await deliveryVerifies();
  });

  it('sealed under the old key by a request that commits after the rotation still open, and the key goes once unused', async () => {
    // a running exchange seals a new secret just before the rotation adds its key …
    const running = new SecretBox(t.config);
    const oldKey = running.currentKeyId;
    const late = running.seal(hookSecret, 'subscriptions.secret');
    const rotation = await rotateSecretKeys(t.config, t.database.db);
    assert.deepEqual(rotation.retired, [oldKey]);
    // … and its transaction commits only after the rotation's last look at the stored secrets
    await sql`update subscriptions set secret = ${late} where id = ${subscriptionId}`.execute(t.database.db);
    await startAnother({ BRX_HOME: t.config.home }); // a restart opens every stored secret, or refuses to start
    assert.ok((await keyFile()).some((k) => k.id === oldKey && k.retiredAt));
    await deliveryVerifies();
    assert.match((await brxKeys('status')).stdout, new RegExp(`${oldKey}: 1 secret \\(retired\\)`));

    // the next rotation keeps the key (a secret still uses it) and moves that secret
    const next = await rotateSecretKeys(t.config, t.database.db);
    assert.ok(!next.dropped.includes(oldKey));
    assert.ok((await keyFile()).some((k) => k.id === oldKey));
    assert.deepEqual(new Set((await storedSecrets()).map(sealedWith)), new Set([next.keyId]));
    // and the one after drops it, and the key the previous rotation retired, both unused
    const last = await rotateSecretKeys(t.config, t.database.db);
    assert.deepEqual(last.dropped, [oldKey, rotation.keyId]);
    assert.deepEqual((await keyFile()).map((k) => k.id), [next.keyId, last.keyId]);
    await startAnother({ BRX_HOME: t.config.home });
    await deliveryVerifies();
  });
});
