import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { canonicalJson } from '../../contracts/canonical.ts';
import type { Principal } from '../../exchange/auth/principal.ts';
import { parsePublicKey } from '../../exchange/audit/audit-key.ts';
import { entryHash } from '../../exchange/audit/chain.ts';
import { checkpointSignatureHolds, parseCheckpoints } from '../../exchange/audit/checkpoints.ts';
import { readHead } from '../../exchange/audit/store.ts';
import { verifyChain } from '../../exchange/audit/verify.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { AuditWriter } from '../../exchange/audit/writer.ts';
import type { Db } from '../../exchange/db/database.ts';
import type { AuditLog } from '../../exchange/db/schema.ts';
import { buildDepartment, buildUser, startTestApp, type TestApp } from '../support/app.ts';

const run = promisify(execFile);

let t: TestApp;
let auditor: string;
let deptAdmin: string;
before(async () => {
  t = await startTestApp();
  auditor = (await buildUser(t, [{ role: 'auditor' }])).token;
  const dept = await buildDepartment(t);
  deptAdmin = (await buildUser(t, [{ role: 'dept_admin', departmentId: dept.id }])).token;
});

/** The CLI as an operator runs it on the exchange machine: migrations as the owner, the work as the application role. */
const cli = (app: TestApp, args: string[]) =>
  run(process.execPath, ['bin/brx.js', 'audit', 'verify', ...args], {
    env: { ...process.env, BRX_HOME: app.config.home, DATABASE_URL: app.database.ownerUrl, BRX_DATABASE_APP_URL: app.database.url },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const system: Principal = {
  kind: 'system',
  credentialId: 'c',
  systemId: '00000000-0000-4000-8000-000000000001',
  name: 'test-system',
  departmentId: '00000000-0000-4000-8000-000000000002',
};

/**
 * What a database superuser can do: with the append-only triggers off, change an entry, then
 * recompute every later hash and the head so the chain agrees with itself again. `hash` says how
 * an entry is hashed (the current code by default).
 */
async function rewrite(
  ownerDb: Db,
  log: AuditLog,
  fromSeq: number,
  change: (row: Record<string, unknown>) => void,
  hash: (row: Record<string, unknown>) => string = (row) => entryHash(log, row),
): Promise<void> {
  const table = log === 'admin' ? 'audit_admin' : 'audit_access';
  await ownerDb.connection().execute(async (conn) => {
    await sql`set session_replication_role = replica`.execute(conn);
    try {
      await conn.transaction().execute(async (trx) => {
        const { rows } = await sql<Record<string, unknown> & { seq: number; prev_hash: string }>`
          select * from ${sql.table(table)} where seq >= ${fromSeq} order by seq`.execute(trx);
        let prev = rows[0]!.prev_hash;
        for (const [i, row] of rows.entries()) {
          if (i === 0) change(row);
          row.prev_hash = prev;
          row.hash = hash(row);
          prev = row.hash as string;
          const { seq, hash: _h, ...content } = row;
          const values: Record<string, unknown> = { ...content, hash: row.hash };
          for (const json of ['detail', 'query']) if (values[json] != null) values[json] = JSON.stringify(values[json]);
          // biome-ignore lint/suspicious/noExplicitAny: the row as read, written back
          await trx.updateTable(table as any).set(values as any).where('seq', '=', seq).execute();
        }
        await trx.updateTable('audit_heads').set({ hash: prev }).where('log', '=', log).execute();
      });
    } finally {
      await sql`reset session_replication_role`.execute(conn);
    }
  });
}

const verify = async (app: TestApp, token = app.adminToken) => {
  const res = await app.call(token, { method: 'GET', url: '/v1/audit/verify' });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as {
    intact: boolean;
    scope: string;
    olderEntriesWalked?: boolean;
    note?: string;
    lastFullVerification?: { finishedAt: string; intact: boolean } | null;
    logs: Record<string, unknown>[];
  };
};
const logOf = (report: { logs: Record<string, unknown>[] }, log: AuditLog) => report.logs.find((l) => l.log === log)!;

describe('signed checkpoints', () => {
  it('go to a 0600 file outside the database when a head moved, signed by the platform audit key auditors download', async () => {
    await buildDepartment(t);
    const written = await t.app.checkpoints.checkpoint();
    const head = await readHead(t.database.db, 'admin');
    assert.deepEqual(
      written.filter((c) => c.log === 'admin').map((c) => [c.seq, c.entries, c.headHash]),
      [[head.seq, head.seq, head.hash]],
    );
    assert.deepEqual(await t.app.checkpoints.checkpoint(), [], 'nothing moved: no new checkpoint');
    assert.equal((await stat(t.config.auditCheckpointFile)).mode & 0o777, 0o600);
    assert.equal((await stat(t.config.auditKeyFile)).mode & 0o777, 0o600);
    assert.equal(path.dirname(t.config.auditCheckpointFile), t.config.home, 'under BRX_HOME by default');

    const file = await t.call(auditor, { method: 'GET', url: '/v1/audit/checkpoints' });
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers['content-type']), /^application\/x-ndjson/);
    assert.equal(file.body, await readFile(t.config.auditCheckpointFile, 'utf8'));
    const key = await t.call(auditor, { method: 'GET', url: '/v1/audit/public-key' });
    assert.equal(key.statusCode, 200);
    const publicKey = parsePublicKey(key.body);
    const { checkpoints, malformed } = parseCheckpoints(file.body);
    assert.deepEqual(malformed, []);
    assert.ok(checkpoints.length >= 1);
    for (const { checkpoint } of checkpoints) assert.ok(checkpointSignatureHolds(checkpoint, publicKey));
    const forged = { ...checkpoints[0]!.checkpoint, seq: checkpoints[0]!.checkpoint.seq + 1, entries: checkpoints[0]!.checkpoint.entries + 1 };
    assert.equal(checkpointSignatureHolds(forged, publicKey), false);

    for (const url of ['/v1/audit/checkpoints', '/v1/audit/public-key', '/v1/audit/verify']) {
      assert.equal((await t.call(deptAdmin, { method: 'GET', url })).statusCode, 403, url);
      assert.equal((await t.call(null, { method: 'GET', url })).statusCode, 401, url);
    }
  });

  it('GET /v1/audit/verify walks only from the last checkpoint on, and says from where', async () => {
    await t.app.checkpoints.checkpoint();
    const anchored = await readHead(t.database.db, 'admin');
    for (let i = 0; i < 3; i++) await buildDepartment(t);
    const head = await readHead(t.database.db, 'admin');
    const quick = await verify(t, auditor);
    // intact, but for the entries walked only, and the answer says so in its own words
    assert.deepEqual([quick.intact, quick.scope, quick.olderEntriesWalked, quick.lastFullVerification], [true, 'since-checkpoint', false, null]);
    assert.match(String(quick.note), /older entries were not re-walked.*full verification/);
    const admin = logOf(quick, 'admin');
    assert.equal(admin.intact, true);
    assert.equal(admin.fromSeq, anchored.seq);
    assert.equal(typeof admin.checkpointAt, 'string');
    assert.equal(admin.checked, head.seq - anchored.seq);
    assert.equal(admin.entries, head.seq);
    assert.equal(admin.headHash, head.hash);
  });

  it('a full verification runs as a background job whose progress and result are polled', async () => {
    await t.app.checkpoints.checkpoint();
    assert.equal((await t.call(deptAdmin, { method: 'POST', url: '/v1/audit/verify/jobs' })).statusCode, 403);
    const started = await t.call(auditor, { method: 'POST', url: '/v1/audit/verify/jobs' });
    assert.equal(started.statusCode, 202, started.body);
    const { id } = started.json();
    let job = started.json();
    const deadline = performance.now() + 30_000;
    while (job.state === 'running' && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      job = (await t.call(auditor, { method: 'GET', url: `/v1/audit/verify/jobs/${id}` })).json();
    }
    assert.equal(job.state, 'done', JSON.stringify(job));
    assert.equal(job.report.scope, 'full');
    assert.equal(job.report.intact, true);
    assert.equal(logOf(job.report, 'admin').fromSeq, 0);
    assert.equal(job.report.checkpoints.intact, true);
    assert.deepEqual((await verify(t, auditor)).lastFullVerification, { startedAt: job.startedAt, finishedAt: job.finishedAt, intact: true }, 'the quick check names it');
    assert.ok(job.report.checkpoints.holding >= 2);
    const admin = job.progress.find((p: { stage: string }) => p.stage === 'admin');
    assert.equal(admin.checked, admin.total);
    assert.equal(admin.total, (await readHead(t.database.db, 'admin')).seq);
    const unknown = await t.call(auditor, { method: 'GET', url: '/v1/audit/verify/jobs/00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.statusCode, 404);
  });

  it('are written at shutdown, covering the last entries', async () => {
    const other = await startTestApp();
    await buildDepartment(other);
    const head = await readHead(other.database.db, 'admin');
    await other.app.close();
    const { checkpoints } = parseCheckpoints(await readFile(other.config.auditCheckpointFile, 'utf8'));
    const last = checkpoints.filter((c) => c.checkpoint.log === 'admin').at(-1)!.checkpoint;
    assert.deepEqual([last.seq, last.headHash], [head.seq, head.hash]);
  });

  it('the CLI shows progress on a long log', async () => {
    const other = await startTestApp();
    const writer = new AuditWriter(other.database.db, { maxBatch: 500 });
    await Promise.all(Array.from({ length: 12_000 }, () => writer.record({ actor: system, mode: 'pull', outcome: 'ok', dataset: 'long.ds' })));
    await writer.close();
    const result = await cli(other, ['--log', 'access']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stderr, /access log: 5,000 of 12,0\d\d checked/);
    assert.match(result.stdout, /access: intact, 12,?0\d\d entries/);
  });
});

describe('before the first checkpoint', () => {
  it('the quick verification walks every entry and does not claim to have skipped any', async () => {
    const fresh = await startTestApp();
    const quick = await verify(fresh, fresh.adminToken);
    assert.deepEqual([quick.intact, quick.olderEntriesWalked], [true, true]);
    assert.match(String(quick.note), /no log has a signed checkpoint yet, so every entry was hashed/i);
    assert.doesNotMatch(String(quick.note), /not re-walked/);
  });
});

describe('the CLI pointed at the wrong home', () => {
  it('refuses, instead of verifying an empty database it made there (which would read as a pass)', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'brx-not-a-home-'));
    try {
      const r = await run(process.execPath, ['bin/brx.js', 'audit', 'verify'], { env: { ...process.env, BRX_HOME: home, DATABASE_URL: '' } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no brx database in .*set BRX_HOME to the exchange's home/);
      assert.deepEqual(await readdir(home), [], 'nothing was created there');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('hash versions', () => {
  it('entries hashed before versions still verify, and a column added later breaks no entry', async () => {
    const other = await startTestApp();
    for (let i = 0; i < 2; i++) await buildDepartment(other);
    // every entry as 0001 wrote them: hashed over the whole row (no version column then), version 1
    const before0011 = (row: Record<string, unknown>) => {
      row.hash_version = 1;
      const { hash: _h, hash_version: _v, ...content } = row;
      return createHash('sha256').update(canonicalJson(content)).digest('hex');
    };
    await rewrite(other.database.ownerDb, 'admin', 1, () => {}, before0011);
    const v1 = await sql<{ n: number }>`select count(*)::int as n from audit_admin where hash_version = 1`.execute(other.database.db);
    assert.ok(v1.rows[0]!.n >= 3);
    // then entries as brx wrote them under version 2 (fields by name), and current ones (version 3, by position) after them
    const v2From = (await readHead(other.database.db, 'admin')).seq + 1;
    await buildDepartment(other);
    await rewrite(other.database.ownerDb, 'admin', v2From, () => {}, (row) => {
      row.hash_version = 2;
      return entryHash('admin', row);
    });
    await buildDepartment(other); // a current entry chained onto old ones
    const versions = await sql<{ v: number }>`select distinct hash_version as v from audit_admin order by 1`.execute(other.database.db);
    assert.deepEqual(versions.rows.map((r) => r.v), [1, 2, 3]);
    const mixed = await verifyChain(other.database.db, 'admin');
    assert.equal(mixed.intact, true, JSON.stringify(mixed));

    await sql`alter table audit_admin add column reviewed_by text`.execute(other.database.ownerDb);
    await sql`alter table audit_access add column reviewed_by text`.execute(other.database.ownerDb);
    await buildDepartment(other);
    const writer = new AuditWriter(other.database.db);
    await writer.record({ actor: system, mode: 'verify', outcome: 'ok' });
    await writer.close();
    const report = await verify(other);
    assert.equal(report.intact, true, JSON.stringify(report));
    const entries = (await other.call(other.adminToken, { method: 'GET', url: '/v1/audit/admin?limit=1' })).json().items;
    assert.equal(entries[0].hashVersion, 3);
  });
});

// last in the file: it rewrites this file's chain for good
describe('a chain recomputed after a checkpoint', () => {
  it('passes a walk of the database alone but not its checkpoints, which say which one broke and where', async () => {
    await buildDepartment(t);
    const [first] = (await t.app.checkpoints.checkpoint()).filter((c) => c.log === 'admin');
    for (let i = 0; i < 3; i++) await buildDepartment(t);
    const [second] = (await t.app.checkpoints.checkpoint()).filter((c) => c.log === 'admin');
    assert.ok(first && second && second.seq > first.seq + 1);
    await buildDepartment(t); // not anchored yet

    await rewrite(t.database.ownerDb, 'admin', first.seq + 1, (row) => {
      row.detail = { name: 'forged' };
    });
    assert.equal((await verifyChain(t.database.db, 'admin')).intact, true, 'the recomputed chain agrees with itself');
    const plain = await cli(t, ['--log', 'admin']);
    assert.equal(plain.code, 0, 'and the walk alone cannot tell');

    const publicKeyFile = path.join(t.config.home, 'downloaded-audit-key.pem');
    await writeFile(publicKeyFile, (await t.call(auditor, { method: 'GET', url: '/v1/audit/public-key' })).body);
    const downloaded = path.join(t.config.home, 'downloaded-checkpoints.ndjson');
    await writeFile(downloaded, (await t.call(auditor, { method: 'GET', url: '/v1/audit/checkpoints' })).body);
    const lines = parseCheckpoints(await readFile(downloaded, 'utf8')).checkpoints;
    const line = (seq: number) => lines.find((c) => c.checkpoint.log === 'admin' && c.checkpoint.seq === seq)!.line;

    const checked = await cli(t, ['--checkpoints', downloaded, '--public-key', publicKeyFile]);
    assert.equal(checked.code, 1, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /admin: intact/);
    assert.match(checked.stdout, /checkpoints: BROKEN/);
    assert.ok(
      checked.stdout.includes(
        `line ${line(second.seq)} (admin log, entry ${second.seq}, signed ${second.at}): entry ${second.seq} has another hash than the one signed at ${second.at}: ` +
          `the admin log was rewritten at or before entry ${second.seq}, after entry ${first.seq} (line ${line(first.seq)}`,
      ),
      checked.stdout,
    );
    const json = await cli(t, ['--checkpoints', downloaded, '--public-key', publicKeyFile, '--json']);
    const problems = (JSON.parse(json.stdout) as { checkpoints: { problems: { kind: string; seq?: number; holdsUpTo?: number }[] } }).checkpoints.problems;
    assert.deepEqual(
      problems.filter((p) => p.seq === second.seq).map((p) => ({ kind: p.kind, holdsUpTo: p.holdsUpTo })),
      [{ kind: 'rewritten', holdsUpTo: first.seq }],
      'a program (the console) tells a rewrite by its kind, and where the file still holds',
    );

    const quick = logOf(await verify(t, auditor), 'admin');
    assert.equal(quick.intact, false);
    assert.equal(quick.firstBrokenSeq, second.seq);
    assert.match(String(quick.reason), new RegExp(`rewritten at or before entry ${second.seq}`));
    assert.deepEqual((await t.app.checkpoints.checkpoint()).filter((c) => c.log === 'admin'), [], 'a broken chain is not signed');
  });

  it('an altered checkpoint line is caught by its signature', async () => {
    const text = await readFile(t.config.auditCheckpointFile, 'utf8');
    const [firstLine, ...rest] = text.trimEnd().split('\n');
    const altered = { ...JSON.parse(firstLine!), headHash: 'f'.repeat(64) };
    const file = path.join(t.config.home, 'altered.ndjson');
    await writeFile(file, [JSON.stringify(altered), ...rest].join('\n'));
    const result = await cli(t, ['--checkpoints', file]); // the key from BRX_AUDIT_KEY_FILE on this machine
    assert.equal(result.code, 1);
    assert.match(result.stdout, /line 1 .*its signature does not hold/);
    const json = JSON.parse((await cli(t, ['--checkpoints', file, '--json'])).stdout) as { checkpoints: { problems: { kind: string; line: number }[] } };
    assert.deepEqual(json.checkpoints.problems[0], { ...json.checkpoints.problems[0], kind: 'signature', line: 1 });
  });
});

describe('a checkpoint file that is empty or cut short', () => {
  const download = async (app: TestApp, name: string) => {
    const file = path.join(app.config.home, name);
    await writeFile(file, (await app.call(app.adminToken, { method: 'GET', url: '/v1/audit/checkpoints' })).body);
    return file;
  };

  it('fails when a log with entries has no checkpoint in the file, instead of passing with none checked', async () => {
    const fresh = await startTestApp(); // the shared one's chain was rewritten above
    await buildDepartment(fresh);
    await fresh.app.checkpoints.checkpoint();
    const empty = path.join(fresh.config.home, 'empty.ndjson');
    await writeFile(empty, '');
    const head = await readHead(fresh.database.db, 'admin');
    const result = await cli(fresh, ['--log', 'admin', '--checkpoints', empty]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.ok(result.stdout.includes(`admin log: the file has no checkpoint of the admin log, which has ${head.seq} entries`), result.stdout);
    assert.ok(result.stdout.includes(`all ${head.seq} entries unanchored`), result.stdout);
    const json = await cli(fresh, ['--log', 'admin', '--checkpoints', empty, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { intact: boolean; checkpoints: { problems: { kind: string; line: number; log: string; head: number }[] } };
    assert.equal(report.intact, false, 'the CLI stays strict: nothing anchored is no pass');
    assert.deepEqual(
      report.checkpoints.problems.map(({ kind, line, log, head }) => ({ kind, line, log, head })),
      [{ kind: 'unanchored', line: 0, log: 'admin', head: head.seq }],
      'told apart from a rewrite by its kind',
    );

    // a current file: the newest checkpoint, nothing after it, no warning
    const current = await cli(fresh, ['--log', 'admin', '--checkpoints', await download(fresh, 'current.ndjson'), '--strict']);
    assert.equal(current.code, 0, current.stdout + current.stderr);
    assert.match(current.stdout, new RegExp(`newest holding is entry ${head.seq}, signed \\S+ \\(line \\d+\\); 0 of ${head.seq} entries after it\n`));
    assert.doesNotMatch(current.stdout, /warning/);
  });

  it('says which entries a file cut short no longer vouches for, warns when its newest checkpoint is old, and fails with --strict', async () => {
    // checkpoints signed two days before the entries that follow them: the checkpointer's clock
    // is the app's, an entry's time the wall clock's, so the file looks as one left unrenewed
    const other = await startTestApp({}, { clock: new ManualClock(new Date(Date.now() - 2 * 86_400_000)) });
    await buildDepartment(other);
    const [kept] = (await other.app.checkpoints.checkpoint()).filter((c) => c.log === 'admin');
    for (let i = 0; i < 3; i++) await buildDepartment(other);
    const [cut] = (await other.app.checkpoints.checkpoint()).filter((c) => c.log === 'admin');
    assert.ok(kept && cut && cut.seq > kept.seq + 1);
    const full = await download(other, 'full.ndjson');
    const lines = (await readFile(full, 'utf8')).trimEnd().split('\n');
    const short = path.join(other.config.home, 'short.ndjson');
    // the newest lines deleted: every line left still holds
    await writeFile(short, `${lines.filter((l) => JSON.parse(l).seq <= kept.seq).join('\n')}\n`);
    await rewrite(other.database.ownerDb, 'admin', kept.seq + 1, (row) => {
      row.detail = { name: 'forged' };
    });
    const head = await readHead(other.database.db, 'admin');

    assert.equal((await cli(other, ['--log', 'admin', '--checkpoints', full])).code, 1, 'the whole file catches the rewrite');
    const warned = await cli(other, ['--log', 'admin', '--checkpoints', short]);
    assert.equal(warned.code, 0, warned.stdout + warned.stderr);
    assert.ok(
      warned.stdout.includes(`newest holding is entry ${kept.seq}, signed ${kept.at} (line `) &&
        warned.stdout.includes(`; ${head.seq - kept.seq} of ${head.seq} entries after it (STALE)`),
      warned.stdout,
    );
    assert.match(warned.stdout, new RegExp(`warning: the newest admin checkpoint that holds \\(line \\d+, entry ${kept.seq}, .*${head.seq - kept.seq} entries after it are vouched for by no checkpoint`));
    const strict = await cli(other, ['--log', 'admin', '--checkpoints', short, '--strict']);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.match(strict.stdout, /checkpoints: BROKEN/);
  });
});
