import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SystemCreated } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { createDb } from '../../exchange/db/database.ts';
import { createGrant } from '../../exchange/grants/store.ts';
import { composeIdNumber } from '../../registries/identifiers/id-number.ts';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';
import { buildRegistryWorld, grant, type RegistryWorld } from '../support/registries.ts';

/**
 * Each exchange process keeps grants in memory for the keyed pull, verification and the read
 * policy. Two apps on one database stand for two exchange processes behind a load balancer: a
 * grant made, narrowed or revoked through either (or by hand in the database) must be what the
 * other's very next read goes by.
 */
let a: TestApp;
let b: TestApp;
const clock = new ManualClock('2026-12-01T02:00:00Z');
let provider: { id: string };
let dataset: { id: string; code: string };
const record = licence();

before(async () => {
  a = await startTestApp({}, { clock });
  // a second process: a pool (and so a cache) of its own on the same database
  const db = createDb({ url: a.database.url });
  onFileEnd(() => db.destroy());
  b = await startTestApp({}, { clock, database: { ...a.database, db } });
  provider = await buildDepartment(a);
  const node = await buildNode(a, provider.id);
  dataset = await buildDataset(a, provider.id);
  const res = await sendBatch(a, node, dataset.code, { batchId: 'seed', records: [upsert(record)] });
  assert.equal(res.statusCode, 200, res.body);
});

const pull = (t: TestApp, s: SystemCreated) => t.call(s.apiKey, { method: 'GET', url: `/v1/datasets/${dataset.code}/records/${record.uscc}` });
const search = (t: TestApp, s: SystemCreated) => t.call(s.apiKey, { method: 'GET', url: `/v1/datasets/${dataset.code}/records?name=${encodeURIComponent(record.name)}` });

async function consumer(): Promise<SystemCreated> {
  return buildSystem(a, (await buildDepartment(a)).id);
}

describe('grants held in memory', () => {
  it('a new grant is seen on the next read of either process, after both refused the system', async () => {
    const s = await consumer();
    for (const t of [a, b]) {
      const res = await pull(t, s);
      assert.equal(res.statusCode, 403, res.body);
      assert.match(res.json().detail, /no grant/);
    }
    await grant(a, s.system.id, dataset.id, { fields: ['uscc', 'name'], modes: ['pull'], purpose: '就业登记' });
    for (const t of [b, a]) {
      const res = await pull(t, s);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().data, { uscc: record.uscc, name: record.name });
    }
  });

  it('a revocation made through one process is refused, with its reason, on the other’s next read', async () => {
    const s = await consumer();
    const g = await grant(a, s.system.id, dataset.id, { fields: ['uscc', 'name'], modes: ['pull'], purpose: '就业登记' });
    assert.equal((await pull(b, s)).statusCode, 200);
    assert.equal((await search(b, s)).statusCode, 200);
    const revoked = await a.call(a.adminToken, { method: 'POST', url: `/v1/grants/${g.id}/revoke`, payload: { reason: '超出约定用途' } });
    assert.equal(revoked.statusCode, 200, revoked.body);
    for (const res of [await pull(b, s), await search(b, s), await pull(a, s)]) {
      assert.equal(res.statusCode, 403, res.body);
      assert.match(res.json().detail, /revoked: 超出约定用途/);
    }
  });

  it('a narrower grant replacing the old one, and an edit made by hand in the database, show on the next read', async () => {
    const s = await consumer();
    const wide = await grant(a, s.system.id, dataset.id, { fields: ['uscc', 'name', 'legalRepresentative'], modes: ['pull'], purpose: '就业登记' });
    assert.deepEqual(Object.keys((await pull(b, s)).json().data).sort(), ['legalRepresentative', 'name', 'uscc']);
    const narrow = await a.database.db.transaction().execute((trx) =>
      createGrant(
        trx,
        {
          systemId: s.system.id,
          datasetId: dataset.id,
          fields: ['uscc', 'legalRepresentative'],
          maskedFields: ['legalRepresentative'],
          rowFilter: null,
          modes: ['pull'],
          purpose: '就业登记',
          legalBasis: '',
          validFrom: clock.now(),
          validUntil: null,
          requestsPerMinute: null,
          recordsPerDay: null,
          covertUntil: null,
          caseId: null,
          supersedes: wide.id,
        },
        { actor: { kind: 'platform', name: 'test' } },
      ),
    );
    assert.deepEqual((await pull(b, s)).json().data, { uscc: record.uscc, legalRepresentative: '张*' }, 'no name, and the representative masked');
    // rows narrowed by hand (psql): no code path of the exchange involved
    await a.database.db.updateTable('grants').set({ row_filter: JSON.stringify({ field: 'uscc', prefix: '11' }) }).where('id', '=', narrow).execute();
    const outside = await pull(b, s);
    assert.equal(outside.statusCode, 404, 'the record lies outside the grant’s rows now');
  });

  it('expiry is judged on every read with the clock, while the grant rows stay in memory', async () => {
    const s = await consumer();
    await grant(a, s.system.id, dataset.id, { fields: ['uscc', 'name'], modes: ['pull'], purpose: '就业登记', valid_until: new Date(clock.now().getTime() + 3_600_000) });
    assert.equal((await pull(b, s)).statusCode, 200);
    clock.advance(2 * 3_600_000);
    const expired = await pull(b, s);
    assert.equal(expired.statusCode, 403, expired.body);
    assert.match(expired.json().detail, /expired/);
  });
});

describe('verification with grants held in memory', () => {
  let w: RegistryWorld;
  before(async () => {
    w = await buildRegistryWorld(a);
  });

  it('a verify grant revoked through one process, or widened by hand, is what the other answers by next', async () => {
    const s = await buildSystem(a, w.civil.id);
    const g = await grant(a, s.system.id, w.ids.population, { fields: ['idNumber', 'name'] });
    const verify = (t: TestApp, body: object) => t.call(s.apiKey, { method: 'POST', url: '/v1/verify/person', payload: body });
    const id = composeIdNumber('360502', '19900307', 11);
    assert.equal((await verify(b, { idNumber: id, name: '张三' })).statusCode, 200);
    const beyond = await verify(b, { idNumber: id, name: '张三', birthDate: '1990-03-07' });
    assert.equal(beyond.statusCode, 403, 'birthDate is not granted');
    await a.database.db.updateTable('grants').set({ fields: ['idNumber', 'name', 'birthDate'] }).where('id', '=', g.id).execute();
    const widened = await verify(b, { idNumber: id, name: '张三', birthDate: '1990-03-07' });
    assert.equal(widened.statusCode, 200, widened.body);
    const revoked = await a.call(a.adminToken, { method: 'POST', url: `/v1/grants/${g.id}/revoke`, payload: { reason: '核验目的已完成' } });
    assert.equal(revoked.statusCode, 200, revoked.body);
    const refused = await verify(b, { idNumber: id, name: '张三' });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.match(refused.json().detail, /revoked: 核验目的已完成/);
  });
});
