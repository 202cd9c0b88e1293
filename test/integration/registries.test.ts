import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { signCertificate } from '../../registries/certificate/signature.ts';
import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { officer, startTestApp, type TestApp } from '../support/app.ts';
import { instantBetween } from '../support/database.ts';
import { sendBatch } from '../support/catalog.ts';
import { buildRegistryWorld, buildSystem, certificate, contribute, grant, type RegistryWorld } from '../support/registries.ts';

let t: TestApp;
let w: RegistryWorld;
before(async () => {
  // contributions carry fixed 2026 source times: the exchange's clock stands after them
  t = await startTestApp({}, { clock: new ManualClock('2026-12-01T00:00:00Z') });
  w = await buildRegistryWorld(t);
});

let serial = 100;
const person = () => {
  serial += 2;
  return composeIdNumber('360502', '19900307', serial);
};
const read = (code: string, key: string, qs = '') => t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${code}/records/${key}${qs}` });
const issues = async (key: string) =>
  (await t.call(t.adminToken, { method: 'GET', url: `/v1/quality/issues?limit=500` })).json().items.filter((i: { key: string }) => i.key === key);

describe('golden records', () => {
  it('take each field from its most authoritative source, with provenance, and keep the raw contributions', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '张三', gender: '1', birthDate: '1990-03-07', maritalStatus: '10' }, at: '2026-11-20T09:00:00+08:00' }]);
    await contribute(t, w.nodes.civil, p, [{ key: id, data: { idNumber: id, maritalStatus: '20' }, at: '2026-03-01T09:00:00+08:00' }]);
    const res = await read(p, id, '?provenance=true');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body.data, { idNumber: id, name: '张三', gender: '1', birthDate: '1990-03-07', maritalStatus: '20' });
    assert.equal(body.provenance.maritalStatus.department, w.civil.id, '民政 outranks 公安 on marriage, though older');
    assert.equal(body.provenance.name.department, w.police.id);
    assert.match(body.provenance.maritalStatus.batch, /^c-\d+$/);
    assert.equal(body.provenance.maritalStatus.sourceTime, '2026-03-01T01:00:00.000Z');
    const raw = await t.database.db.selectFrom('contributions').select(['department_id', 'data']).where('key', '=', id).execute();
    assert.equal(raw.length, 2);
    assert.deepEqual(raw.find((r) => r.department_id === w.police.id)!.data, { idNumber: id, name: '张三', gender: '1', birthDate: '1990-03-07', maritalStatus: '10' });
  });

  it('provenance follows the most authoritative source even when it supplies a value equal to the one stored', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '王五', maritalStatus: '20' }, at: '2026-04-01T09:00:00+08:00' }]);
    const first = (await read(p, id, '?provenance=true')).json();
    assert.equal(first.provenance.maritalStatus.department, w.police.id);
    await contribute(t, w.nodes.civil, p, [{ key: id, data: { idNumber: id, maritalStatus: '20' }, at: '2026-04-02T09:00:00+08:00' }]);
    const now = (await read(p, id, '?provenance=true')).json();
    assert.equal(now.provenance.maritalStatus.department, w.civil.id, '民政 now supplies marriage, with the same value');
    assert.equal(now.provenance.maritalStatus.sourceTime, '2026-04-02T01:00:00.000Z');
    assert.equal(now.offset, first.offset, 'the data did not change: no new event for consumers');
  });

  it('equal authority: the newest wins, and the disagreement becomes a data-quality issue until it is settled', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '李四' }, at: '2026-01-01T00:00:00Z' }]);
    await contribute(t, w.nodes.health, p, [{ key: id, data: { idNumber: id, residenceAddress: '渝水区一路1号' }, at: '2026-03-01T00:00:00Z' }]);
    await contribute(t, w.nodes.education, p, [{ key: id, data: { idNumber: id, residenceAddress: '渝水区二路2号' }, at: '2026-05-01T00:00:00Z' }]);
    assert.equal((await read(p, id)).json().data.residenceAddress, '渝水区二路2号');
    const [issue] = await issues(id);
    assert.equal(issue.kind, 'conflict');
    assert.equal(issue.field, 'residenceAddress');
    assert.deepEqual(issue.detail.values.map((v: { department: string; value: string }) => [v.department, v.value]).sort(), [
      [w.education.id, '渝水区二路2号'],
      [w.health.id, '渝水区一路1号'],
    ].sort());
    await contribute(t, w.nodes.health, p, [{ key: id, data: { idNumber: id, residenceAddress: '渝水区二路2号' }, at: '2026-06-01T00:00:00Z' }]);
    assert.deepEqual(await issues(id), [], 'settled once the sources agree');
  });

  it('a contribution older than the same source’s stored one is stale; another source may still be older', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '王五' }, at: '2026-05-01T00:00:00Z' }]);
    const stale = await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '王五五' }, at: '2026-04-01T00:00:00Z' }]);
    assert.equal(stale.stale.length, 1);
    const other = await contribute(t, w.nodes.civil, p, [{ key: id, data: { idNumber: id, maritalStatus: '10' }, at: '2020-01-01T00:00:00Z' }]);
    assert.equal(other.accepted, 1);
    assert.equal((await read(p, id)).json().data.name, '王五');
  });

  it('only sources contribute, and only their fields', async () => {
    const id = person();
    const notSource = await sendBatch(t, w.nodes.market, w.codes.population, { batchId: 'intruder', records: [{ op: 'upsert', key: id, data: { idNumber: id, name: 'x' }, sourceTime: '2026-01-01T00:00:00Z' }] });
    assert.equal(notSource.statusCode, 403);
    const res = await contribute(t, w.nodes.civil, w.codes.population, [{ key: id, data: { idNumber: id, name: '冒名' }, at: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(res.rejected[0].errors, [{ pointer: '/data/name', message: 'is not a field your department contributes to this registry' }]);
  });

  it('consumers get golden-record changes as events, not raw contributions', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '赵六', maritalStatus: '10' }, at: '2026-01-01T00:00:00Z' }]);
    await contribute(t, w.nodes.civil, p, [{ key: id, data: { idNumber: id, maritalStatus: '20' }, at: '2026-01-02T00:00:00Z' }]);
    const events = await t.database.db.selectFrom('events').select(['data', 'op']).where('dataset_id', '=', w.ids.population).where('key', '=', id).orderBy('offset').execute();
    assert.deepEqual(events.map((e) => e.data), [
      { idNumber: id, name: '赵六', maritalStatus: '10' },
      { idNumber: id, name: '赵六', maritalStatus: '20' },
    ]);
  });

  it('keeps history: asOf returns the record as it stood then', async () => {
    const id = person();
    const p = w.codes.population;
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '孙七', householdAddress: '渝水区旧址' }, at: '2026-01-01T00:00:00Z' }]);
    const between = await instantBetween(t.database.db);
    await contribute(t, w.nodes.police, p, [{ key: id, data: { idNumber: id, name: '孙七', householdAddress: '渝水区新址' }, at: '2026-02-01T00:00:00Z' }]);
    assert.equal((await read(p, id, `?asOf=${between.toISOString()}`)).json().data.householdAddress, '渝水区旧址');
    assert.equal((await read(p, id)).json().data.householdAddress, '渝水区新址');
    assert.equal((await read(p, id, '?asOf=2000-01-01T00:00:00Z')).statusCode, 404);
  });

  it('a 15-digit ID number finds the record, and withdrawals by every source leave a tombstone', async () => {
    const id = composeIdNumber('360502', '19650101', 13);
    const legacy = `${id.slice(0, 6)}${id.slice(8, 17)}`;
    await contribute(t, w.nodes.police, w.codes.population, [{ key: id, data: { idNumber: id, name: '周八' }, at: '2026-01-01T00:00:00Z' }]);
    assert.equal((await read(w.codes.population, legacy)).json().key, id);
    await contribute(t, w.nodes.police, w.codes.population, [{ key: id, data: null, at: '2026-02-01T00:00:00Z' }]);
    assert.equal((await read(w.codes.population, id)).json().deleted, true);
  });

  it('a legal person whose representative is not in the population registry gets a dangling-link issue, not a rejection', async () => {
    const uscc = composeUscc('9', '1', '360502', 'MA001234');
    const missing = composeIdNumber('360502', '19800101', 55);
    const res = await contribute(t, w.nodes.market, w.codes['legal-person'], [
      { key: uscc, data: { uscc, name: '新余市测试有限公司', type: 'enterprise', legalRepresentative: { name: '吴九', idNumber: missing } }, at: '2026-01-01T00:00:00Z' },
    ]);
    assert.equal(res.accepted, 1);
    const [issue] = await issues(uscc);
    assert.deepEqual([issue.kind, issue.field, issue.detail], ['dangling-link', 'legalRepresentative.idNumber', { registry: 'population', missingKey: missing }]);
    await contribute(t, w.nodes.police, w.codes.population, [{ key: missing, data: { idNumber: missing, name: '吴九' }, at: '2026-01-02T00:00:00Z' }]);
    assert.deepEqual(await issues(uscc), [], 'the person arrived: the link is no longer dangling');
  });
});

describe('certificates', () => {
  it('accepts a certificate signed by its issuer and refuses tampered content or a foreign key', async () => {
    const good = certificate(w, {}, '9001');
    const tampered = { ...certificate(w, {}, '9002') };
    (tampered.content as Record<string, unknown>).registeredCapital = 99999;
    const foreign = certificate(w, {}, '9003');
    foreign.signature = signCertificate({ ...foreign, signature: undefined }, generateKeyPairSync('ed25519').privateKey);
    const res = await contribute(t, w.nodes.market, w.codes.certificate, [good, tampered, foreign].map((c) => ({ key: String(c.certificateId), data: c, at: '2026-01-01T00:00:00Z' })));
    assert.equal(res.accepted, 1);
    assert.deepEqual(res.rejected.map((r: { index: number; errors: { pointer: string }[] }) => [r.index, r.errors.map((e) => e.pointer)]), [
      [1, ['/data/signature']],
      [2, ['/data/signature']],
    ]);
  });

  it('verification reports the standing: valid, suspended with a reason, revoked, expired, and a tampered record', async () => {
    const { system, apiKey } = await buildSystem(t, w.police.id);
    await grant(t, system.id, w.ids.certificate, { fields: ['certificateId', 'status', 'validTo', 'issuerUscc'] });
    const verify = async (body: object) => (await t.call(apiKey, { method: 'POST', url: '/v1/verify/certificate', payload: body })).json();
    const statusOnly = await buildSystem(t, w.police.id);
    await grant(t, statusOnly.system.id, w.ids.certificate, { fields: ['certificateId', 'status'] });

    const c = certificate(w, {}, '9101');
    const key = String(c.certificateId);
    await contribute(t, w.nodes.market, w.codes.certificate, [{ key, data: c, at: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(await verify({ certificateId: key }), { valid: true, status: 'valid', validTo: '2045-05-31', issuer: w.market.code, signatureValid: true });
    assert.equal((await verify({ typeCode: 'YYZZ', number: c.number, holderId: '91350100M000100Y43' })).valid, true);
    const narrow = await t.call(statusOnly.apiKey, { method: 'POST', url: '/v1/verify/certificate', payload: { certificateId: key } });
    assert.deepEqual(narrow.json(), { valid: true, status: 'valid', validTo: null, issuer: null, signatureValid: true }, 'expiry and issuer only as granted');

    await contribute(t, w.nodes.market, w.codes.certificate, [{ key, data: { ...c, status: 'suspended', statusReason: '涉嫌虚假登记，暂停使用', statusAt: '2026-02-01T10:00:00+08:00' }, at: '2026-02-01T02:00:00Z' }]);
    assert.deepEqual([(await verify({ certificateId: key })).valid, (await verify({ certificateId: key })).status], [false, 'suspended']);
    const stored = (await read(w.codes.certificate, key)).json().data;
    assert.equal(stored.statusReason, '涉嫌虚假登记，暂停使用');
    await contribute(t, w.nodes.market, w.codes.certificate, [{ key, data: { ...c, status: 'revoked', statusReason: '吊销' }, at: '2026-03-01T00:00:00Z' }]);
    assert.equal((await verify({ certificateId: key })).status, 'revoked');

    const old = certificate(w, { validTo: '2024-12-31', validFrom: '2020-01-01', issueDate: '2020-01-01' }, '9102');
    await contribute(t, w.nodes.market, w.codes.certificate, [{ key: String(old.certificateId), data: old, at: '2026-01-01T00:00:00Z' }]);
    assert.deepEqual(await verify({ certificateId: old.certificateId }), { valid: false, status: 'expired', validTo: '2024-12-31', issuer: w.market.code, signatureValid: true });

    const forged = certificate(w, {}, '9103');
    await contribute(t, w.nodes.market, w.codes.certificate, [{ key: String(forged.certificateId), data: forged, at: '2026-01-01T00:00:00Z' }]);
    await sql`update records set data = jsonb_set(data, '{content,registeredCapital}', '5000') where key = ${forged.certificateId}`.execute(t.database.db);
    assert.deepEqual([(await verify({ certificateId: forged.certificateId })).signatureValid, (await verify({ certificateId: forged.certificateId })).valid], [false, false]);

    assert.deepEqual(await verify({ certificateId: certificate(w, {}, '9999').certificateId }), { valid: false, status: null, validTo: null, issuer: null, signatureValid: false });
  });
});

describe('verification (核验)', () => {
  it('answers yes/no per field; an unknown ID number answers exactly like a mismatch; status only on a match and only when granted', async () => {
    const id = person();
    await contribute(t, w.nodes.police, w.codes.population, [{ key: id, data: { idNumber: id, name: '郑十', birthDate: '1990-03-07', status: 'living' }, at: '2026-01-01T00:00:00Z' }]);
    const plain = await buildSystem(t, w.civil.id);
    await grant(t, plain.system.id, w.ids.population, { fields: ['idNumber', 'name', 'birthDate'] });
    const withStatus = await buildSystem(t, w.civil.id);
    await grant(t, withStatus.system.id, w.ids.population, { fields: ['idNumber', 'name', 'status'] });
    const verify = (key: string, body: object) => t.call(key, { method: 'POST', url: '/v1/verify/person', payload: body });

    assert.deepEqual((await verify(plain.apiKey, { idNumber: id, name: '郑十', birthDate: '1990-03-07' })).json(), { match: true, fields: { name: true, birthDate: true } });
    const mismatch = await verify(plain.apiKey, { idNumber: id, name: '郑十一', birthDate: '1990-03-07' });
    assert.deepEqual(mismatch.json(), { match: false, fields: { name: false, birthDate: true } });
    const unknownA = await verify(withStatus.apiKey, { idNumber: person(), name: '郑十' });
    const mismatchA = await verify(withStatus.apiKey, { idNumber: id, name: '郑十一' });
    assert.equal(unknownA.body, mismatchA.body, 'unknown and mismatch are indistinguishable');
    assert.deepEqual(unknownA.json(), { match: false, fields: { name: false } });
    assert.deepEqual((await verify(withStatus.apiKey, { idNumber: id, name: '郑十' })).json(), { match: true, fields: { name: true }, status: 'living' });
    assert.equal((await verify(plain.apiKey, { idNumber: id.toLowerCase(), name: '郑十' })).json().match, true);
    const beyond = await verify(withStatus.apiKey, { idNumber: id, name: '郑十', birthDate: '1990-03-07' });
    assert.equal(beyond.statusCode, 403, 'a question beyond the grant is refused, not answered');
    assert.match(beyond.json().detail, /does not cover birthDate/);
  });

  it('regression: nothing tells a registered person from an unknown one — every combination of right and wrong answers alike for an unknown ID and a wrong guess', async () => {
    const registered = person();
    const unknown = person(); // valid, same birth date encoded, never contributed
    await contribute(t, w.nodes.police, w.codes.population, [{ key: registered, data: { idNumber: registered, name: '王登记', birthDate: '1990-03-07', status: 'living' }, at: '2026-01-01T00:00:00Z' }]);
    const s = await buildSystem(t, w.civil.id);
    await grant(t, s.system.id, w.ids.population, { fields: ['idNumber', 'name', 'birthDate', 'status'] });
    const ask = async (body: object) => {
      const res = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    // the birth date the ID numbers carry, another date, or none asked
    for (const birthDate of ['1990-03-07', '1991-01-01', undefined]) {
      const wrongGuess = await ask({ idNumber: registered, name: '李猜错', birthDate });
      for (const name of ['王登记', '李猜错']) {
        assert.equal(await ask({ idNumber: unknown, name, birthDate }), wrongGuess, `unknown subject, name ${name}, birth date ${birthDate}`);
      }
    }
    assert.equal(await ask({ idNumber: registered, name: '王登记', birthDate: '1990-03-07' }), JSON.stringify({ match: true, fields: { name: true, birthDate: true }, status: 'living' }));
    // the grant's rows: a subject outside them is unknown too
    const county = await buildSystem(t, w.civil.id);
    await grant(t, county.system.id, w.ids.population, { fields: ['idNumber', 'name'], row_filter: { field: 'idNumber', prefix: '360521' } });
    const outside = await t.call(county.apiKey, { method: 'POST', url: '/v1/verify/person', payload: { idNumber: registered, name: '王登记' } });
    assert.deepEqual(outside.json(), { match: false, fields: { name: false } });
  });

  it('needs a live verify grant: none, revoked (with the reason) or expired is 403', async () => {
    const s = await buildSystem(t, w.civil.id);
    const body = { idNumber: person(), name: 'x' };
    const none = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body });
    assert.equal(none.statusCode, 403);
    assert.match(none.json().detail, /no grant/);
    const pullOnly = await grant(t, s.system.id, w.ids.population, { modes: ['pull'] });
    assert.match((await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body })).json().detail, /does not include the verify mode/);
    await t.database.db.deleteFrom('grants').where('id', '=', pullOnly.id).execute();
    const g = await grant(t, s.system.id, w.ids.population);
    await t.database.db.updateTable('grants').set({ revoked_at: t.clock.now(), revoke_reason: '超出约定用途' }).where('id', '=', g.id).execute();
    const revoked = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body });
    assert.equal(revoked.statusCode, 403);
    assert.match(revoked.json().detail, /revoked: 超出约定用途/);
    const person2 = await buildSystem(t, w.civil.id);
    await grant(t, person2.system.id, w.ids.population, { valid_until: new Date(t.clock.now().getTime() - 1000) });
    assert.match((await t.call(person2.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body })).json().detail, /expired/);
    const user = await t.call(t.adminToken, { method: 'POST', url: '/v1/verify/person', payload: body });
    assert.equal(user.statusCode, 403, 'people do not verify: their systems do');
  });

  it('is rate limited per system (429) and every check is in the access log with the key asked about', async () => {
    const s = await buildSystem(t, w.civil.id);
    await grant(t, s.system.id, w.ids.population, { requests_per_minute: 2 });
    const id = person();
    const call = () => t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: { idNumber: id, name: '钱' }, headers: { 'x-operator': officer } });
    assert.equal((await call()).statusCode, 200);
    assert.equal((await call()).statusCode, 200);
    const third = await call();
    assert.equal(third.statusCode, 429);
    assert.ok(Number(third.headers['retry-after']) > 0);
    const log = await t.database.db.selectFrom('audit_access').selectAll().where('system_id', '=', s.system.id).orderBy('seq').execute();
    assert.deepEqual(log.map((e) => e.outcome), ['ok', 'ok', 'denied'], 'the throttled check is logged as refused');
    assert.deepEqual([log[0]!.mode, log[0]!.subject_keys, log[0]!.fields, log[0]!.operator, log[0]!.purpose], ['verify', [id], ['name'], officer, '政务服务身份核验']);
  });

  it('checks a legal person field by field', async () => {
    const rep = person();
    await contribute(t, w.nodes.police, w.codes.population, [{ key: rep, data: { idNumber: rep, name: '冯一' }, at: '2026-01-01T00:00:00Z' }]);
    const uscc = composeUscc('9', '1', '360502', 'MA009876');
    await contribute(t, w.nodes.market, w.codes['legal-person'], [
      { key: uscc, data: { uscc, name: '新余市核验测试有限公司', status: 'active', legalRepresentative: { name: '冯一', idNumber: rep } }, at: '2026-01-01T00:00:00Z' },
    ]);
    assert.deepEqual(await issues(uscc), [], 'the representative exists: no dangling link');
    const s = await buildSystem(t, w.civil.id);
    await grant(t, s.system.id, w.ids['legal-person'], { fields: ['uscc', 'name', 'status'] });
    const question = { uscc, name: '新余市核验测试有限公司', legalRepresentativeName: '冯二', legalRepresentativeIdNumber: rep };
    // regression: a grant of [uscc, name, status] had the representative's ID number compared
    const beyond = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/legal-person', payload: question });
    assert.equal(beyond.statusCode, 403);
    assert.match(beyond.json().detail, /does not cover legalRepresentativeName, legalRepresentativeIdNumber/);
    const nothingAsked = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/legal-person', payload: { uscc } });
    assert.equal(nothingAsked.statusCode, 400, 'with no question, match would only say "registered"');
    const ok = await t.call(s.apiKey, { method: 'POST', url: '/v1/verify/legal-person', payload: { uscc, name: '新余市核验测试有限公司' } });
    assert.deepEqual(ok.json(), { match: true, fields: { name: true }, status: 'active' });
    const withRepresentative = await buildSystem(t, w.civil.id);
    await grant(t, withRepresentative.system.id, w.ids['legal-person'], { fields: ['uscc', 'name', 'legalRepresentative'] });
    const res = await t.call(withRepresentative.apiKey, { method: 'POST', url: '/v1/verify/legal-person', payload: question });
    assert.deepEqual(res.json(), { match: false, fields: { name: true, legalRepresentativeName: false, legalRepresentativeIdNumber: true } });
  });
});

describe('reading a record through a pull grant', () => {
  it('shows only granted fields, masks the masked ones, refuses without a grant, and audits the read', async () => {
    const id = person();
    await contribute(t, w.nodes.police, w.codes.population, [
      { key: id, data: { idNumber: id, name: '陈一', householdAddress: '江西省新余市渝水区仙来大道9号', maritalStatus: '20' }, at: '2026-01-01T00:00:00Z' },
    ]);
    const s = await buildSystem(t, w.civil.id);
    const denied = await t.call(s.apiKey, { method: 'GET', url: `/v1/datasets/${w.codes.population}/records/${id}` });
    assert.equal(denied.statusCode, 403);
    await grant(t, s.system.id, w.ids.population, { modes: ['pull'], fields: ['idNumber', 'name', 'householdAddress'], masked_fields: ['idNumber', 'householdAddress'] });
    const res = await t.call(s.apiKey, { method: 'GET', url: `/v1/datasets/${w.codes.population}/records/${id}?provenance=true`, headers: { 'x-operator': officer } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().data, { idNumber: `${id.slice(0, 6)}********${id.slice(-4)}`, name: '陈一', householdAddress: '江西省新余市渝水区' });
    assert.deepEqual(Object.keys(res.json().provenance).sort(), ['householdAddress', 'idNumber', 'name'], 'no provenance of fields not granted');
    const [refusal, entry] = await t.database.db.selectFrom('audit_access').selectAll().where('system_id', '=', s.system.id).where('mode', '=', 'pull').orderBy('seq').execute();
    assert.equal(refusal!.outcome, 'denied', 'the refused read is logged too');
    assert.deepEqual([entry!.subject_keys, entry!.fields.sort(), entry!.operator], [[id], ['householdAddress', 'idNumber', 'name'], officer]);
  });
});
