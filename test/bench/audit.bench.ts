import type { AddressInfo } from 'node:net';
import { anyone, principalOf } from '../../exchange/auth/guard.ts';
import { ensureFirstAdmin } from '../../exchange/bootstrap.ts';
import { loadConfig } from '../../exchange/config.ts';
import { createDepartment } from '../../exchange/identity/departments.ts';
import { createSystem } from '../../exchange/identity/machines.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { buildApp } from '../../exchange/server.ts';
import { postmasterOf } from './cpu.ts';
import { benchDatabase, load, loadWithCpu, mean, meanCpu, printTable, round } from './harness.ts';

/**
 * The cost of auditing: the same authenticated route (a system's API key, one credential
 * lookup) with and without writing an access entry, measured alternately in one run so noise
 * hits both. Target: the audited route reaches at least 70 % of the plain one.
 */
async function measure(database: Awaited<ReturnType<typeof benchDatabase>>, apiKey: string, cacheSeconds: number) {
  const config = loadConfig({ BRX_LOG_LEVEL: 'silent', BRX_ADMIN_PASSWORD: 'bench-admin-password', BRX_AUTH_CACHE_SECONDS: String(cacheSeconds) });
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
  const label = cacheSeconds ? 'cached credentials' : 'credential look-up per request';
  await load(`warm-up (${label})`, { url: `${base}/v1/bench/audited`, headers, seconds: 3 });
  const postmaster = await postmasterOf(database.db);
  const plain = [];
  const audited = [];
  for (let round = 0; round < 2; round++) {
    plain.push(await loadWithCpu(`plain, ${label}, round ${round + 1}`, { url: `${base}/v1/bench/plain`, headers }, postmaster));
    const before = { ...app.audit.stats };
    const r = await loadWithCpu(`audited, ${label}, round ${round + 1}`, { url: `${base}/v1/bench/audited`, headers }, postmaster);
    const flushes = Math.max(1, app.audit.stats.flushes - before.flushes);
    audited.push({
      ...r,
      group: (app.audit.stats.entries - before.entries) / flushes,
      commitMs: ((app.audit.stats.flushSeconds - before.flushSeconds) * 1000) / flushes,
    });
  }
  await app.close();
  return { label, plain, audited };
}

/**
 * The cost of auditing: the same authenticated route (a system's API key) with and without
 * writing an access entry, alternating rounds in one run so noise hits both. Measured twice:
 * with the credential looked up in the database on every request (the comparison the target of
 * 70 % was set for) and with machine credentials cached (BRX_AUTH_CACHE_SECONDS), where the audit
 * write is the only database work left and the ratio shows its full cost.
 */
export async function bench() {
  const database = await benchDatabase();
  await ensureFirstAdmin(database.db, loadConfig({ BRX_ADMIN_PASSWORD: 'bench-admin-password' }));
  const actor = { actor: { kind: 'platform', name: 'bench' } } as const;
  const { apiKey } = await database.db.transaction().execute(async (trx) => {
    const d = await createDepartment(trx, { code: composeUscc('1', '1', '360500', '01428399'), name: '基准测试局', level: 'city' }, actor);
    return createSystem(trx, d.id, { name: 'bench-system' }, actor);
  });
  const runs = [await measure(database, apiKey, 0), await measure(database, apiKey, 5)];
  await database.close();

  const rows = [];
  for (const run of runs) {
    for (const [i, r] of run.plain.entries()) rows.push({ path: `plain #${i + 1}, ${run.label}`, 'req/s': round(r.rps, 0), 'p50 ms': r.p50, 'p99 ms': r.p99, 'server µs/req': r.serverCpuUs ?? '-', 'PostgreSQL µs/req': r.postgresCpuUs ?? '-', 'entries/commit': '-', 'ms/commit': '-' });
    for (const [i, r] of run.audited.entries()) {
      rows.push({ path: `audited #${i + 1}, ${run.label}`, 'req/s': round(r.rps, 0), 'p50 ms': r.p50, 'p99 ms': r.p99, 'server µs/req': r.serverCpuUs ?? '-', 'PostgreSQL µs/req': r.postgresCpuUs ?? '-', 'entries/commit': round(r.group, 1), 'ms/commit': round(r.commitMs, 2) });
    }
  }
  printTable(rows);
  const ratios = runs.map((run) => mean(run.audited.map((r) => r.rps)) / mean(run.plain.map((r) => r.rps)));
  const failures = runs.flatMap((run) => [...run.plain, ...run.audited]).reduce((n, r) => n + r.non2xx + r.errors, 0);
  console.log(`\naudited / plain = ${round(ratios[0]!, 3)} with a credential look-up per request (target ≥ 0.70); ${round(ratios[1]!, 3)} with cached credentials`);
  return {
    ratio: round(ratios[0]!, 3),
    target: 0.7,
    ratioCachedCredentials: round(ratios[1]!, 3),
    plainRps: round(mean(runs[0]!.plain.map((r) => r.rps)), 0),
    auditedRps: round(mean(runs[0]!.audited.map((r) => r.rps)), 0),
    plainRpsCached: round(mean(runs[1]!.plain.map((r) => r.rps)), 0),
    auditedRpsCached: round(mean(runs[1]!.audited.map((r) => r.rps)), 0),
    auditedP99Ms: Math.max(...runs[0]!.audited.map((r) => r.p99)),
    plainServerCpuUsPerRequest: meanCpu(runs[1]!.plain, 'serverCpuUs'),
    plainPostgresCpuUsPerRequest: meanCpu(runs[1]!.plain, 'postgresCpuUs'),
    auditedServerCpuUsPerRequest: meanCpu(runs[1]!.audited, 'serverCpuUs'),
    auditedPostgresCpuUsPerRequest: meanCpu(runs[1]!.audited, 'postgresCpuUs'),
    meanEntriesPerCommit: round(mean(runs.flatMap((run) => run.audited.map((r) => r.group))), 1),
    failures,
  };
}
