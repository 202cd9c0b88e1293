import { accessRow, appendAccessGroup, hashesAt, readHead } from '../../exchange/audit/store.ts';
import { verifyChain } from '../../exchange/audit/verify.ts';
import { benchDatabase, printTable, round } from './harness.ts';

/**
 * GET /v1/audit/verify on a large access log: the walk from the last signed checkpoint (what the
 * route does) against the full walk from the first entry (the baseline: what the route did before,
 * and what the background job and `brx audit verify` still do). Both in one run, on one log of
 * BENCH_AUDIT_ENTRIES entries (default 200,000) whose last checkpoint lies BENCH_AUDIT_SINCE
 * entries (default 1,000) before the head. Wall time and CPU time of this process per entry hashed.
 */
const total = Number(process.env.BENCH_AUDIT_ENTRIES ?? 200_000);
const since = Number(process.env.BENCH_AUDIT_SINCE ?? 1_000);
const group = 1000;

function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return work().then((result) => {
    const used = process.cpuUsage(cpu);
    return { result, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  });
}

export async function bench() {
  const database = await benchDatabase();
  const actor = { kind: 'system', credentialId: '00000000-0000-4000-8000-000000000001', systemId: '00000000-0000-4000-8000-000000000002', name: 'bench', departmentId: '00000000-0000-4000-8000-000000000003' } as const;
  let head = await readHead(database.db, 'access');
  const at = new Date();
  for (let written = 0; written < total; written += group) {
    const rows = Array.from({ length: Math.min(group, total - written) }, (_, i) =>
      accessRow({ actor, mode: 'pull', outcome: 'ok', dataset: 'bench.population', subjectKeys: [`36050219900101${String(written + i).padStart(4, '0')}`], fields: ['name'], recordCount: 1 }, at),
    );
    head = (await appendAccessGroup(database.db, rows, head))!;
    if ((written / group) % 20 === 0) process.stderr.write(`\rwriting the log: ${written + rows.length} of ${total} entries`);
  }
  process.stderr.write('\n');
  const seq = head.seq - since;
  const checkpoint = { seq, headHash: (await hashesAt(database.db, 'access', [seq])).get(seq)!, at: at.toISOString() };

  const rounds = [];
  for (let round = 0; round < 2; round++) {
    const quick = await timed(() => verifyChain(database.db, 'access', { from: checkpoint }));
    const full = await timed(() =>
      verifyChain(database.db, 'access', { onProgress: (checked, all) => process.stderr.write(`\rfull walk: ${checked} of ${all}`) }),
    );
    process.stderr.write('\n');
    if (!quick.result.intact || !full.result.intact) throw new Error('the benchmark log does not verify');
    rounds.push({ quick, full });
  }
  await database.close();

  printTable(
    rounds.flatMap((r, i) => [
      { walk: `from the checkpoint #${i + 1}`, entries: r.quick.result.checked, 'ms': round(r.quick.ms, 1), 'CPU µs/entry': round((r.quick.cpuMs * 1000) / r.quick.result.checked, 2) },
      { walk: `full #${i + 1}`, entries: r.full.result.checked, 'ms': round(r.full.ms, 1), 'CPU µs/entry': round((r.full.cpuMs * 1000) / r.full.result.checked, 2) },
    ]),
  );
  const quickMs = Math.min(...rounds.map((r) => r.quick.ms));
  const fullMs = Math.min(...rounds.map((r) => r.full.ms));
  console.log(`\nquick / full = ${round(quickMs / fullMs, 4)} on ${total} entries, the checkpoint ${since} entries back`);
  return {
    ratio: round(quickMs / fullMs, 4),
    entries: total,
    sinceCheckpoint: since,
    quickMs: round(quickMs, 1),
    fullMs: round(fullMs, 1),
    fullCpuMicrosPerEntry: round((Math.min(...rounds.map((r) => r.full.cpuMs)) * 1000) / total, 2),
  };
}
