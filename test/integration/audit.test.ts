import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import type { Principal } from '../../exchange/auth/principal.ts';
import { verifyChain } from '../../exchange/audit/verify.ts';
import { AuditWriter } from '../../exchange/audit/writer.ts';
import { buildDepartment, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';

const run = promisify(execFile);
/** The CLI as an operator runs it: migrations as the owner, the work as the application role. */
const cliEnv = () => ({ ...process.env, BRX_HOME: t.config.home, DATABASE_URL: t.database.ownerUrl, BRX_DATABASE_APP_URL: t.database.url });
let t: TestApp;
before(async () => {
  t = await startTestApp();
});

const system = (id = '00000000-0000-4000-8000-000000000001'): Principal => ({
  kind: 'system',
  credentialId: 'c',
  systemId: id,
  name: 'test-system',
  departmentId: '00000000-0000-4000-8000-000000000002',
});

/** Runs SQL as a superuser who has switched the append-only triggers off: an attacker with the keys. */
async function tamper(statement: string, url = t.database.ownerUrl) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('admin log', () => {
  it('records each administrative change with its actor, in the same transaction', async () => {
    const dept = await buildDepartment(t, { name: '审计测试局' });
    const page = await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?department=${dept.id}` });
    assert.equal(page.statusCode, 200);
    const [entry] = page.json().items;
    assert.equal(entry.action, 'department.create');
    assert.equal(entry.actorName, 'admin');
    assert.equal(entry.targetId, dept.id);
    assert.equal(entry.detail.name, '审计测试局');
    assert.match(entry.hash, /^[0-9a-f]{64}$/);
  });

  it('pages newest first with a cursor, and filters by actor and action', async () => {
    const dept = await buildDepartment(t);
    for (let i = 0; i < 5; i++) await buildSystem(t, dept.id);
    const first = (await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?department=${dept.id}&limit=2` })).json();
    assert.equal(first.items.length, 2);
    const second = (
      await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?department=${dept.id}&limit=2&cursor=${first.nextCursor}` })
    ).json();
    const seqs = [...first.items, ...second.items].map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    assert.equal(new Set(seqs).size, 4);
    const creates = (
      await t.call(t.adminToken, { method: 'GET', url: `/v1/audit/admin?department=${dept.id}&action=system.create&limit=50` })
    ).json();
    assert.equal(creates.items.length, 5);
    assert.equal(creates.nextCursor, null);
  });

  it('is for auditors and platform admins only', async () => {
    const dept = await buildDepartment(t);
    const { token: deptAdmin } = await buildUser(t, [{ role: 'dept_admin', departmentId: dept.id }]);
    const { token: auditor } = await buildUser(t, [{ role: 'auditor' }]);
    assert.equal((await t.call(deptAdmin, { method: 'GET', url: '/v1/audit/admin' })).statusCode, 403);
    assert.equal((await t.call(deptAdmin, { method: 'GET', url: '/v1/audit/verify' })).statusCode, 403);
    assert.equal((await t.call(auditor, { method: 'GET', url: '/v1/audit/access' })).statusCode, 200);
  });
});

const countWhere = async (dataset: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from audit_access where dataset = ${dataset}`.execute(t.database.db)).rows[0]!.n;

describe('access log group commit', () => {
  it('commits many concurrent entries in few transactions, each durable when its promise resolves', async () => {
    const writer = new AuditWriter(t.database.db, { maxBatch: 100 });
    const n = 300;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'demo.ds', subjectKeys: [`key-${i}`], fields: ['name'] }),
      ),
    );
    assert.equal(writer.stats.entries, n);
    assert.ok(writer.stats.flushes <= n / 10, `${writer.stats.flushes} flushes for ${n} entries`);
    const { count } = await t.database.db
      .selectFrom('audit_access')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('dataset', '=', 'demo.ds')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count), n);
    const report = await verifyChain(t.database.db, 'access');
    assert.equal(report.intact, true);
    await writer.close();
  });

  it('flushes what is queued on close and then refuses new entries', async () => {
    const writer = new AuditWriter(t.database.db);
    const pending = writer.record({ actor: system(), mode: 'verify', outcome: 'ok', dataset: 'close.ds' });
    await writer.close();
    await pending;
    const row = await t.database.db.selectFrom('audit_access').select('seq').where('dataset', '=', 'close.ds').executeTakeFirst();
    assert.ok(row, 'the queued entry is in the database after close');
    await assert.rejects(writer.record({ actor: system(), mode: 'verify', outcome: 'ok' }), /closed/);
  });

  it('two writers (two exchange processes) interleave into one unbroken chain', async () => {
    const a = new AuditWriter(t.database.db, { maxBatch: 7, pipeline: 3 });
    const b = new AuditWriter(t.database.db, { maxBatch: 5 });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'two.ds' })),
    );
    assert.equal((await verifyChain(t.database.db, 'access')).intact, true);
    assert.equal(await countWhere('two.ds'), 60);
  });

  it('with groups in flight together, each request waits for its own group and the chain holds', async () => {
    const writer = new AuditWriter(t.database.db, { maxBatch: 4, pipeline: 3 });
    const done: number[] = [];
    // arriving over several turns of the event loop, so groups start while others are in flight
    const records = Array.from({ length: 40 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i % 8));
      await writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'pipelined.ds', subjectKeys: [`p-${i}`] });
      done.push(i);
      // durable when it resolves: the entry is there for any other connection to read
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_access where ${`p-${i}`} = any(subject_keys)`.execute(t.database.db);
      assert.equal(rows[0]!.n, 1);
    });
    await Promise.all(records);
    await writer.close();
    assert.equal(done.length, 40);
    assert.ok(writer.stats.flushes >= 10, `${writer.stats.flushes} groups of at most 4`);
    assert.equal((await verifyChain(t.database.db, 'access')).intact, true);
  });

  it('a group that fails takes no later group down with it, and none of them commits onto it', async () => {
    const writer = new AuditWriter(t.database.db, { maxBatch: 1, pipeline: 3 });
    // a department id PostgreSQL refuses: that group's insert fails, after the next groups were hashed onto it
    const broken: Principal = { ...system(), departmentId: 'not-a-uuid' } as Principal;
    await writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'failing.ds' }); // the writer knows the head now
    const outcomes = await Promise.allSettled([
      writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'failing.ds' }),
      writer.record({ actor: broken, mode: 'pull', outcome: 'ok', dataset: 'failing.ds' }),
      writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'failing.ds' }),
      writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'failing.ds' }),
    ]);
    await writer.close();
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.equal(await countWhere('failing.ds'), 4);
    assert.ok(writer.stats.conflicts >= 1, 'the groups after the failed one found the head elsewhere and went again');
    assert.equal((await verifyChain(t.database.db, 'access')).intact, true);
  });
});

describe('access log groups in flight while connections are terminated', () => {
  it('loses no acknowledged entry, writes none twice, and leaves a chain that verifies', async () => {
    const writer = new AuditWriter(t.database.db, { maxBatch: 3, pipeline: 3 });
    const killer = new pg.Client({ connectionString: t.database.url });
    await killer.connect();
    let stop = false;
    let busyKills = 0;
    const storm = (async () => {
      const until = performance.now() + 3000;
      while (performance.now() < until) {
        const killed = await killer.query<{ state: string }>(
          `select state, pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        );
        busyKills += killed.rows.filter((r) => r.state !== 'idle').length;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
      }
      await new Promise((r) => setTimeout(r, 500)); // and the writer gets work done again
      stop = true;
    })();
    const acknowledged: string[] = [];
    let refused = 0;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const requestId = `storm-${c}-${i}`;
        try {
          await writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'storm.ds', requestId });
          acknowledged.push(requestId);
        } catch {
          refused += 1; // answered 503: the read would not have been served
        }
        await new Promise((r) => setTimeout(r, Math.random() * 4));
      }
    };
    await Promise.all([storm, ...Array.from({ length: 12 }, (_, c) => client(c))]);
    // after the storm the writer works as before
    await writer.record({ actor: system(), mode: 'pull', outcome: 'ok', dataset: 'storm.ds', requestId: 'after-the-storm' });
    acknowledged.push('after-the-storm');
    await writer.close();
    await killer.end();
    // how many get through depends on the machine's load; that some do, with groups in flight, is the point
    assert.ok(acknowledged.length > 10, `${acknowledged.length} acknowledged, ${refused} refused, ${busyKills} connections killed in use`);
    const { rows } = await sql<{ request_id: string; n: number }>`
      select request_id, count(*)::int as n from audit_access where dataset = 'storm.ds' group by request_id`.execute(t.database.db);
    const written = new Map(rows.map((r) => [r.request_id, r.n]));
    for (const id of acknowledged) assert.equal(written.get(id), 1, `${id} is in the log once`);
    assert.ok(rows.every((r) => r.n === 1), 'no entry written twice');
    assert.equal((await verifyChain(t.database.db, 'access')).intact, true);
  });
});

describe('access log search', () => {
  it('filters by system and by subject as the access report spells them, and a search by subject is recorded as a report', async () => {
    const [sysA, sysB] = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000b2'];
    const person = '11010519491231002X';
    await t.app.audit.record({ actor: system(sysA), mode: 'pull', outcome: 'ok', dataset: 'search.ds', subjectKeys: [person], recordCount: 1 });
    await t.app.audit.record({ actor: system(sysB), mode: 'pull', outcome: 'ok', dataset: 'search.ds', subjectKeys: [person, '110105194912310034'], recordCount: 2 });
    await t.app.audit.record({ actor: system(sysA), mode: 'pull', outcome: 'ok', dataset: 'search.ds', subjectKeys: ['110105194912310034'], recordCount: 1 });
    const { token: auditor, user } = await buildUser(t, [{ role: 'auditor' }]);
    const search = async (query: string) => {
      const res = await t.call(auditor, { method: 'GET', url: `/v1/audit/access?dataset=search.ds&${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as { systemId: string; subjectKeys: string[] }[];
    };
    assert.deepEqual((await search(`system=${sysA}`)).map((e) => e.subjectKeys), [['110105194912310034'], [person]]);
    // a UUID written in capitals is the same system
    assert.deepEqual((await search(`system=${sysA.toUpperCase()}`)).map((e) => e.subjectKeys), [['110105194912310034'], [person]]);
    // a lower-case check character finds what the log keeps in upper case
    const bySubject = await search(`subject=${person.toLowerCase()}`);
    assert.deepEqual(bySubject.map((e) => e.systemId), [sysB, sysA]);
    assert.deepEqual((await search(`subject=${person}&system=${sysB}`)).length, 1);

    const looks = await t.call(auditor, { method: 'GET', url: `/v1/audit/access?subject=${person}&actor=${user.id}` });
    const [look] = looks.json().items;
    assert.equal(look.mode, 'report', 'the auditor\'s search by subject is in the access log');
    assert.deepEqual(look.subjectKeys, [person]);
    assert.equal(look.dataset, null);
    // and like any access report it is not shown to the subject
    const report = await t.call(t.adminToken, { method: 'GET', url: `/v1/subjects/${person}/access-report` });
    assert.ok(report.json().items.every((i: { mode: string }) => i.mode !== 'report'));
    // a search without a subject is not logged
    const before = (await t.call(auditor, { method: 'GET', url: `/v1/audit/access?actor=${user.id}&limit=500` })).json().items.length;
    await search(`system=${sysA}`);
    assert.equal((await t.call(auditor, { method: 'GET', url: `/v1/audit/access?actor=${user.id}&limit=500` })).json().items.length, before);
    assert.equal((await t.call(auditor, { method: 'GET', url: '/v1/audit/access?subject=12345' })).statusCode, 400);
  });
});

describe('access log subject index', () => {
  it('indexes the subject keys of an entry however it is written: a plain insert, as a process on older code makes, too', async () => {
    await t.app.audit.record({ actor: system('00000000-0000-4000-8000-0000000000c3'), mode: 'pull', outcome: 'ok', dataset: 'index.ds', subjectKeys: ['110105194912310018'], recordCount: 1 });
    const rolledBack = new Error('rolled back: the chain stays as it was');
    await assert.rejects(
      t.database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ seq: number }>`
          insert into audit_access
          select * from json_populate_record(null::audit_access,
            (select (to_jsonb(a) || jsonb_build_object('seq', a.seq + 1000, 'subject_keys', array['110105194912310026', '110105194912310042']))::json
               from audit_access a order by a.seq desc limit 1))
          returning seq`.execute(trx);
        const keys = await sql<{ subject_key: string }>`select subject_key from audit_access_subjects where seq = ${rows[0]!.seq} order by 1`.execute(trx);
        assert.deepEqual(keys.rows.map((r) => r.subject_key), ['110105194912310026', '110105194912310042']);
        throw rolledBack;
      }),
      rolledBack,
    );
  });
});

describe('tamper evidence', () => {
  it('the application role cannot UPDATE, DELETE or TRUNCATE audit rows, switch their triggers off or drop them', async () => {
    await buildDepartment(t);
    const db = t.database.db; // what the app runs on
    const refused = /permission denied|must be owner/;
    await assert.rejects(sql`update audit_admin set action = 'x' where seq = 1`.execute(db), refused);
    await assert.rejects(sql`delete from audit_admin where seq = 1`.execute(db), refused);
    await assert.rejects(sql`delete from audit_access`.execute(db), refused);
    await assert.rejects(sql`truncate audit_access`.execute(db), refused);
    // nor hide an entry from a subject's report by deleting its key from the side table that indexes them
    await assert.rejects(sql`delete from audit_access_subjects`.execute(db), refused);
    await assert.rejects(sql`update audit_access_subjects set subject_key = 'x'`.execute(db), refused);
    await assert.rejects(sql`truncate case_timeline`.execute(db), refused);
    await assert.rejects(sql`alter table audit_admin disable trigger audit_admin_append_only`.execute(db), refused);
    await assert.rejects(sql`alter table audit_access disable trigger all`.execute(db), refused);
    await assert.rejects(sql`drop table audit_access`.execute(db), refused);
    await assert.rejects(sql`drop trigger audit_admin_append_only on audit_admin`.execute(db), refused);
    await assert.rejects(sql`set session_replication_role = replica`.execute(db), refused);
    await assert.rejects(sql`create trigger sneak before insert on audit_access for each row execute function brx_audit_refuse()`.execute(db), refused);
    // a grant to itself does nothing (it holds no grant option)
    await sql`grant update, delete, truncate on audit_admin, audit_access to current_user`.execute(db).catch(() => {});
    const { rows } = await sql<{ rolsuper: boolean; rolcreaterole: boolean; rolbypassrls: boolean; can: boolean }>`
      select r.rolsuper, r.rolcreaterole, r.rolbypassrls,
             has_table_privilege('audit_admin', 'UPDATE') or has_table_privilege('audit_access', 'DELETE')
             or has_table_privilege('audit_access', 'TRUNCATE') as can
        from pg_roles r where r.rolname = current_user`.execute(db);
    assert.deepEqual(rows[0], { rolsuper: false, rolcreaterole: false, rolbypassrls: false, can: false });
    // it still appends and reads, as the app must
    assert.equal((await t.call(t.adminToken, { method: 'GET', url: '/v1/audit/verify' })).json().intact, true);
    // and the owner, short of switching triggers off as a superuser, is refused by the guard
    await assert.rejects(sql`update audit_admin set action = 'x' where seq = 1`.execute(t.database.ownerDb), /append-only/);
  });

  it('verify reports intact with the entry count, over HTTP and from the command line', async () => {
    const res = await t.call(t.adminToken, { method: 'GET', url: '/v1/audit/verify' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.intact, true);
    const admin = body.logs.find((l: { log: string }) => l.log === 'admin');
    const { count } = await t.database.db
      .selectFrom('audit_admin')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    assert.equal(admin.entries, Number(count));
    const cli = await run(process.execPath, ['bin/brx.js', 'audit', 'verify', '--json'], {
      env: cliEnv(),
    });
    assert.equal(JSON.parse(cli.stdout).intact, true);
  });

  // these run last in the file: they break the chain for good
  it('an edited entry is named by its sequence number', async () => {
    for (let i = 0; i < 3; i++) await buildDepartment(t);
    await tamper(`update audit_admin set detail = '{"name":"forged"}' where seq = 3`);
    const report = (await t.call(t.adminToken, { method: 'GET', url: '/v1/audit/verify' })).json();
    const admin = report.logs.find((l: { log: string }) => l.log === 'admin');
    assert.equal(report.intact, false);
    assert.equal(admin.firstBrokenSeq, 3);
    assert.match(admin.reason, /changed/);
  });

  it('a deleted entry is named, and the CLI exits non-zero', async () => {
    await tamper(`update audit_admin set detail = '{"name":"forged"}' where seq = 3`); // already broken at 3
    await tamper('delete from audit_access where seq = 2');
    const cli = await run(process.execPath, ['bin/brx.js', 'audit', 'verify', '--log', 'access'], {
      env: cliEnv(),
    }).catch((e: { code: number; stdout: string }) => e);
    assert.equal((cli as { code?: number }).code, 1);
    assert.match(cli.stdout, /access: BROKEN at entry 2: entry 2 is missing/);
  });

  it('entries removed from the end are caught by the log head', async () => {
    const fresh = await startTestApp(); // a chain of its own, unbroken so far
    for (let i = 0; i < 3; i++) await buildDepartment(fresh);
    const before = await verifyChain(fresh.database.db, 'admin');
    assert.equal(before.intact, true);
    await tamper(`delete from audit_admin where seq = ${before.entries}`, fresh.database.ownerUrl);
    const after = await verifyChain(fresh.database.db, 'admin');
    assert.equal(after.intact, false);
    assert.equal(after.firstBrokenSeq, before.entries);
    assert.match(after.reason!, /missing/);
  });
});
