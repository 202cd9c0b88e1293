import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { NodeCreated, SystemCreated } from '../../contracts/generated/api.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, officer, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, upsert } from '../support/catalog.ts';
import { grant } from '../support/registries.ts';
import type { KeyObject } from 'node:crypto';

let t: TestApp;
let node: NodeCreated & { privateKey: KeyObject };
let code: string;
let datasetId: string;
let consumerDepartment: string;
const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));

let serial = 0;
/** A company registered in the given county (the credit code carries the region). */
const firmIn = (region: string, name: string) => {
  serial += 1;
  return licence(composeUscc('9', '1', region, `MB${String(100000 + serial).slice(-6)}`), { name, legalRepresentative: '欧阳娜娜' });
};
const yushui = [firmIn('360502', '新余钢铁配套有限公司'), firmIn('360502', '渝水光伏科技有限公司'), firmIn('360502', '仙女湖旅游开发有限公司')];
const fenyi = [firmIn('360521', '分宜麻纺有限公司')];
const nanchang = [firmIn('360102', '南昌东湖商贸有限公司')];
const firms = [...yushui, ...fenyi, ...nanchang];

async function consumer(g: Record<string, unknown> = {}): Promise<SystemCreated & { grantId: string }> {
  const s = await buildSystem(t, consumerDepartment);
  const { id } = await grant(t, s.system.id, datasetId, { fields: ['uscc', 'name', 'legalRepresentative', 'status'], modes: ['pull'], purpose: '企业开办一件事', ...g });
  return { ...s, grantId: id };
}
const get = (token: string, url: string, headers: Record<string, string> = {}) => t.call(token, { method: 'GET', url, headers });

before(async () => {
  t = await startTestApp({}, { clock });
  const market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  consumerDepartment = (await buildDepartment(t, { name: '新余市自然资源局' })).id;
  node = await buildNode(t, market.id);
  const dataset = await buildDataset(t, market.id);
  code = dataset.code;
  datasetId = dataset.id;
  const res = await sendBatch(t, node, code, { batchId: 'seed', records: firms.map((f) => upsert(f)) });
  assert.equal(res.statusCode, 200, res.body);
});

describe('a keyed pull', () => {
  it('returns the granted fields only, masked as granted', async () => {
    const c = await consumer({ masked_fields: ['legalRepresentative'] });
    const res = await get(c.apiKey, `/v1/datasets/${code}/records/${yushui[0]!.uscc}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().data, { uscc: yushui[0]!.uscc, name: '新余钢铁配套有限公司', legalRepresentative: '欧***', status: 'active' });
  });

  it('answers a record outside the grant’s rows like one that does not exist', async () => {
    const c = await consumer({ row_filter: { field: 'uscc', prefix: '913605' } });
    assert.equal((await get(c.apiKey, `/v1/datasets/${code}/records/${fenyi[0]!.uscc}`)).statusCode, 200);
    const outside = await get(c.apiKey, `/v1/datasets/${code}/records/${nanchang[0]!.uscc}`);
    assert.equal(outside.statusCode, 404);
  });

  it('is refused without a grant, and with a revoked, expired or wrong-mode grant, saying why', async () => {
    const none = await buildSystem(t, consumerDepartment);
    const url = `/v1/datasets/${code}/records/${yushui[0]!.uscc}`;
    const refused = await get(none.apiKey, url);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /holds no grant/);

    const revoked = await consumer({ revoked_at: new Date(clock.now().getTime() - 1000), revoke_reason: '超范围使用' });
    assert.match((await get(revoked.apiKey, url)).json().detail, /revoked: 超范围使用/);
    const expired = await consumer({ valid_until: new Date(clock.now().getTime() - 1000) });
    assert.match((await get(expired.apiKey, url)).json().detail, /expired/);
    const verifyOnly = await consumer({ modes: ['verify'] });
    assert.match((await get(verifyOnly.apiKey, url)).json().detail, /does not include the pull mode/);
    // a live pull-only grant that replaced a revoked one with subscribing: the missing mode is why, not the old revocation
    const pullNow = await consumer({ modes: ['pull', 'subscribe'], revoked_at: new Date(clock.now().getTime() - 1000), revoke_reason: '调整授权' });
    await grant(t, pullNow.system.id, datasetId, { fields: ['uscc', 'name'], modes: ['pull'], purpose: '企业开办一件事' });
    const subscribing = await t.call(pullNow.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: code, delivery: 'pull' } });
    assert.equal(subscribing.statusCode, 403);
    assert.match(subscribing.json().detail, /does not include the subscribe mode/);

    const denied = await t.database.db.selectFrom('audit_access').select(['outcome', 'query']).where('system_id', '=', none.system.id).execute();
    assert.deepEqual(denied.map((d) => d.outcome), ['denied'], 'the refusal is in the access log');
  });

  it('is throttled beyond the grant’s requests a minute, with Retry-After', async () => {
    const c = await consumer({ requests_per_minute: 2 });
    const url = `/v1/datasets/${code}/records/${yushui[0]!.uscc}`;
    assert.equal((await get(c.apiKey, url)).statusCode, 200);
    assert.equal((await get(c.apiKey, url)).statusCode, 200);
    const third = await get(c.apiKey, url);
    assert.equal(third.statusCode, 429);
    assert.ok(Number(third.headers['retry-after']) > 0);
  });
});

describe('a search', () => {
  it('finds records by a searchable field, a page at a time', async () => {
    const c = await consumer();
    const seen: string[] = [];
    let url = `/v1/datasets/${code}/records?legalRepresentative=x`;
    const refused = await get(c.apiKey, url);
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().errors[0].pointer, '/legalRepresentative');
    assert.match(refused.json().errors[0].message, /not a searchable field/);

    await sendBatch(t, node, code, { batchId: 'same-name', records: [upsert(firmIn('360502', '新余钢铁配套有限公司')), upsert(firmIn('360521', '新余钢铁配套有限公司'))] });
    url = `/v1/datasets/${code}/records?name=${encodeURIComponent('新余钢铁配套有限公司')}&limit=2`;
    for (let page = 0; page < 5 && url; page++) {
      const res = await get(c.apiKey, url);
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().items.map((i: { key: string }) => i.key));
      url = res.json().next ? `/v1/datasets/${code}/records?name=${encodeURIComponent('新余钢铁配套有限公司')}&limit=2&cursor=${res.json().next}` : '';
    }
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen).size, 3, 'no record twice across pages');
    const forged = await get(c.apiKey, `/v1/datasets/${code}/records?name=x&cursor=${yushui[0]!.uscc}`);
    assert.equal(forged.statusCode, 400);
    assert.equal(forged.json().errors[0].pointer, '/cursor');
  });

  it('stops at the grant’s records a day (429) and counts what it served', async () => {
    const c = await consumer({ records_per_day: 2, row_filter: { field: 'uscc', prefix: '913605' } });
    const byName = (name: string) => get(c.apiKey, `/v1/datasets/${code}/records?name=${encodeURIComponent(name)}`);
    assert.equal((await byName(yushui[1]!.name)).json().items.length, 1);
    assert.equal((await byName(yushui[2]!.name)).json().items.length, 1);
    const over = await byName(fenyi[0]!.name);
    assert.equal(over.statusCode, 429);
    assert.match(over.json().detail, /2 records a day/);
    assert.equal((await get(c.apiKey, `/v1/datasets/${code}/records/${yushui[0]!.uscc}`)).statusCode, 429, 'keyed reads count too');
    clock.set(new Date(clock.now().getTime() + 86_400_000));
    try {
      assert.equal((await byName(fenyi[0]!.name)).statusCode, 200, 'a new day, a new allowance');
    } finally {
      clock.set(new Date('2026-11-23T02:00:00Z'));
    }
  });
});

describe('an export (部门批量下载)', () => {
  it('streams the granted rows as NDJSON and resumes after a cursor', async () => {
    const c = await consumer({ modes: ['pull', 'file'], row_filter: { field: 'uscc', in: [yushui[0]!.uscc, yushui[1]!.uscc, fenyi[0]!.uscc] }, masked_fields: ['legalRepresentative'] });
    const res = await get(c.apiKey, `/v1/datasets/${code}/export`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.key).sort(), [yushui[0]!.uscc, yushui[1]!.uscc, fenyi[0]!.uscc].sort());
    assert.ok(lines.every((l) => l.data.legalRepresentative === '欧***' && l.data.registeredCapital === undefined));
    const rest = await get(c.apiKey, `/v1/datasets/${code}/export?after=${lines[0].cursor}`);
    assert.deepEqual(rest.body.trim().split('\n').map((l) => JSON.parse(l).key), lines.slice(1).map((l) => l.key));
    const audited = await t.database.db.selectFrom('audit_access').select(['mode', 'record_count', 'subject_keys']).where('system_id', '=', c.system.id).orderBy('seq').execute();
    assert.deepEqual(audited.map((a) => [a.mode, a.record_count]), [['export', 3], ['export', 2]]);
    assert.deepEqual(audited[0]!.subject_keys.sort(), lines.map((l) => l.key).sort(), 'each page names whose records it carried');
  });

  it('gives spreadsheet users CSV with a byte order mark', async () => {
    const c = await consumer({ modes: ['pull', 'file'], row_filter: { field: 'uscc', in: [nanchang[0]!.uscc] } });
    const res = await get(c.apiKey, `/v1/datasets/${code}/export?format=csv&bom=true`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-disposition']), /\.csv"/);
    const raw = res.rawPayload;
    assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const [header, row] = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(header, 'uscc,name,legalRepresentative,status,cursor');
    assert.ok(row!.startsWith(`${nanchang[0]!.uscc},南昌东湖商贸有限公司,欧阳娜娜,active,`));
  });

  it('streams 100,000 records in bounded memory', async () => {
    const big = await buildDataset(t, (await buildDepartment(t)).id);
    // a large dataset loaded directly: this test is about the export, not ingest
    await t.database.db.executeQuery({
      sql: `insert into records (dataset_id, key, data, contract_version, batch_id, source_time, content_hash, last_offset)
            select $1::uuid, 'K' || lpad(i::text, 7, '0'),
                   jsonb_build_object('uscc', 'K' || lpad(i::text, 7, '0'), 'name', '新余市批量测试企业' || i || '有限公司', 'legalRepresentative', '张三', 'status', 'active', 'registeredCapital', i),
                   '1.0', 'bulk', now(), md5(i::text), 0
              from generate_series(1, 100000) i`,
      parameters: [big.id],
      query: { kind: 'RawNode' } as never,
      queryId: { queryId: 'bulk' } as never,
    });
    const s = await buildSystem(t, consumerDepartment);
    await grant(t, s.system.id, big.id, { fields: ['uscc', 'name', 'status'], modes: ['file'], purpose: '年度统计' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    // live heap only: collect garbage before each sample
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    }, 100);
    const res = await fetch(`http://127.0.0.1:${port}/v1/datasets/${big.code}/export`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    assert.equal(res.status, 200);
    let lines = 0;
    let bytes = 0;
    let tail = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      const text = tail + decoder.decode(chunk, { stream: true });
      const parts = text.split('\n');
      tail = parts.pop()!;
      lines += parts.length;
    }
    clearInterval(sampler);
    assert.equal(lines, 100_000);
    assert.ok(bytes > 20_000_000, `${bytes} bytes exported`);
    assert.ok(peak < 16 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB while exporting ${Math.round(bytes / 1048576)} MB`);
    const pages = await t.database.db.selectFrom('audit_access').select((eb) => eb.fn.sum<number>('record_count').as('n')).where('system_id', '=', s.system.id).executeTakeFirst();
    assert.equal(Number(pages!.n), 100_000, 'every exported record is in the access log');
  });
});

describe('the access report (数据使用记录)', () => {
  it('lists exactly the reads of a company’s records, hides covert ones from it until disclosure, and shows auditors everything', async () => {
    const subject = fenyi[0]!.uscc;
    const open = await consumer({ purpose: '工程建设项目审批' });
    const covert = await consumer({ purpose: '案件侦查', covert_until: new Date('2027-06-01T00:00:00Z') });
    await get(open.apiKey, `/v1/datasets/${code}/records/${subject}`, { 'x-operator': officer });
    await get(open.apiKey, `/v1/datasets/${code}/records/${yushui[0]!.uscc}`);
    await get(covert.apiKey, `/v1/datasets/${code}/records/${subject}`);

    const issued = await t.call(t.adminToken, { method: 'POST', url: `/v1/subjects/${subject}/tokens`, payload: { validDays: 3 } });
    assert.equal(issued.statusCode, 201, issued.body);
    const token = issued.json().token;
    const mine = await get(token, `/v1/subjects/${subject}/access-report`);
    assert.equal(mine.statusCode, 200, mine.body);
    const reads = mine.json().items.filter((i: { system: string }) => [open.system.name, covert.system.name].includes(i.system));
    assert.deepEqual(
      reads.map((i: { system: string; purpose: string; department: string; mode: string; fields: string[] }) => [i.system, i.purpose, i.department, i.mode, i.fields]),
      [[open.system.name, '工程建设项目审批', '新余市自然资源局', 'pull', ['uscc', 'name', 'legalRepresentative', 'status']]],
    );
    assert.equal(reads[0].operator, undefined, 'the subject does not see the official’s ID number');
    assert.equal((await get(token, `/v1/subjects/${yushui[0]!.uscc}/access-report`)).statusCode, 404, 'a token reads its own subject only');

    const auditor = await buildUser(t, [{ role: 'auditor' }]);
    const full = await get(auditor.token, `/v1/subjects/${subject}/access-report`);
    const all = full.json().items.filter((i: { system: string }) => [open.system.name, covert.system.name].includes(i.system));
    assert.deepEqual(all.map((i: { system: string }) => i.system), [covert.system.name, open.system.name]);
    assert.equal(all[0].covertUntil, '2027-06-01T00:00:00.000Z');
    assert.equal(all[1].operator, officer);

    clock.set(new Date('2027-06-02T00:00:00Z'));
    try {
      const disclosed = (await get(token, `/v1/subjects/${subject}/access-report`)).json().items.map((i: { system: string }) => i.system);
      assert.ok(disclosed.includes(covert.system.name), 'after the disclosure date the covert read is shown');
    } finally {
      clock.set(new Date('2026-11-23T02:00:00Z'));
    }
  });
});
