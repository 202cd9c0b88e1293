import type { AddressInfo } from 'node:net';
import { anyone, principalOf } from '../../exchange/auth/guard.ts';
import { ensureFirstAdmin } from '../../exchange/bootstrap.ts';
import { loadConfig } from '../../exchange/config.ts';
import { createDepartment } from '../../exchange/identity/departments.ts';
import { createSystem } from '../../exchange/identity/machines.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { buildApp } from '../../exchange/server.ts';
import { benchDatabase, load, printTable, round } from './harness.ts';

/**
 * The cost of auditing: the same authenticated route (a system's API key, one credential
 * lookup) with and without writing an access entry, measured alternately in one run so noise
 * hits both. Target: the audited route reaches at least 70 % of the plain one.
 */
export async function bench() {
  const database = await benchDatabase();
  const config = loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_ADMIN_PASSWORD: 'bench-admin-password' });
  await ensureFirstAdmin(database.db, config);
  const actor = { actor: { kind: 'platform', name: 'bench' } } as const;
  const { apiKey } = await database.db.transaction().execute(async (trx) => {
    const d = await createDepartment(trx, { code: composeUscc('1', '1', '360500', '01428399'), name: '基准测试局', level: 'city' }, actor);
    return createSystem(trx, d.id, { name: 'bench-system' }, actor);
  });

  const app = await buildApp({ config, db: database.db, logger: false });
  app.get('/v1/bench/plain', { config: { access: anyone } }, async () => ({ ok: true }));
  app.get('/v1/bench/audited', { config: { access: anyone } }, async (request) => {
    await app.audit.record({
      actor: principalOf(request),
      mode: 'pull',
      outcome: 'ok',
      dataset: 'bench.dataset',
      subjectKeys: ['360502199001011234'],
      fields: ['name', 'birthDate'],
      requestId: request.id,
    });
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${apiKey}` };

  await load('warm-up', { url: `${base}/v1/bench/audited`, headers, seconds: 3 });
  const plain = [];
  const audited = [];
  for (let round = 0; round < 2; round++) {
    plain.push(await load(`plain, round ${round + 1}`, { url: `${base}/v1/bench/plain`, headers }));
    const before = { ...app.audit.stats };
    const r = await load(`audited, round ${round + 1}`, { url: `${base}/v1/bench/audited`, headers });
    const flushes = Math.max(1, app.audit.stats.flushes - before.flushes);
    audited.push({
      ...r,
      group: (app.audit.stats.entries - before.entries) / flushes,
      commitMs: ((app.audit.stats.flushSeconds - before.flushSeconds) * 1000) / flushes,
    });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const plainRps = mean(plain.map((r) => r.rps));
  const auditedRps = mean(audited.map((r) => r.rps));
  const failures = [...plain, ...audited].reduce((n, r) => n + r.non2xx + r.errors, 0);
  await app.close();
  await database.close();

  printTable([
    ...plain.map((r, i) => ({
      path: `plain #${i + 1}`,
      'req/s': round(r.rps, 0),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'entries/commit': '-',
      'ms/commit': '-',
    })),
    ...audited.map((r, i) => ({
      path: `audited #${i + 1}`,
      'req/s': round(r.rps, 0),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'entries/commit': round(r.group, 1),
      'ms/commit': round(r.commitMs, 2),
    })),
  ]);
  const ratio = round(auditedRps / plainRps, 3);
  console.log(`\naudited / plain = ${ratio} (target ≥ 0.70)${failures ? `; ${failures} failed requests` : ''}`);
  return {
    ratio,
    target: 0.7,
    plainRps: round(plainRps, 0),
    auditedRps: round(auditedRps, 0),
    auditedP99Ms: Math.max(...audited.map((r) => r.p99)),
    meanEntriesPerCommit: round(mean(audited.map((r) => r.group)), 1),
    failures,
  };
}
