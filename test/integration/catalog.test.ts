import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildDepartment, buildNode, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, licenceContract, sendBatch, upsert } from '../support/catalog.ts';

let t: TestApp;
let market: { id: string; code: string; regionCode: string | null };
let other: { id: string };
let marketAdmin: string;
let otherAdmin: string;
before(async () => {
  t = await startTestApp();
  market = await buildDepartment(t, { name: '新余市市场监督管理局', regionCode: '360500' });
  other = await buildDepartment(t, { name: '新余市民政局' });
  marketAdmin = (await buildUser(t, [{ role: 'dept_admin', departmentId: market.id }])).token;
  otherAdmin = (await buildUser(t, [{ role: 'dept_admin', departmentId: other.id }])).token;
});

describe('catalog entries', () => {
  it('a dept_admin drafts an entry with a stable code; only their department sees the draft', async () => {
    const res = await t.call(marketAdmin, {
      method: 'POST',
      url: '/v1/datasets',
      payload: {
        name: '食品经营许可信息',
        providerDepartmentId: market.id,
        class: 'department',
        sharingType: 'conditional',
        openType: 'closed',
        exchangeModes: ['pull'],
        updateCycle: 'daily',
        keyField: 'uscc',
        contract: licenceContract(),
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const draft = res.json();
    assert.match(draft.code, new RegExp(`^360500-${market.code.slice(8, 17)}-\\d{4}$`));
    assert.equal(draft.status, 'draft');
    assert.equal(draft.currentVersion, '1.0');
    assert.equal(draft.contract.fields.uscc.title, '统一社会信用代码');
    assert.equal(draft.requestDeadlineDays, 10, 'default deadline');

    assert.equal((await t.call(marketAdmin, { method: 'GET', url: `/v1/datasets/${draft.code}` })).statusCode, 200);
    assert.equal((await t.call(otherAdmin, { method: 'GET', url: `/v1/datasets/${draft.code}` })).statusCode, 404);
    const list = (await t.call(otherAdmin, { method: 'GET', url: '/v1/datasets?q=食品经营' })).json();
    assert.equal(list.items.length, 0);

    assert.equal((await t.call(marketAdmin, { method: 'POST', url: `/v1/datasets/${draft.code}/publish` })).statusCode, 403);
    const published = await t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${draft.code}/publish` });
    assert.equal(published.json().status, 'published');
    const after = (await t.call(otherAdmin, { method: 'GET', url: '/v1/datasets?q=食品经营' })).json();
    assert.deepEqual(after.items.map((d: { code: string }) => d.code), [draft.code]);
  });

  it("a dept_admin cannot draft for another department", async () => {
    const res = await t.call(otherAdmin, {
      method: 'POST',
      url: '/v1/datasets',
      payload: { name: 'x', providerDepartmentId: market.id, class: 'department', sharingType: 'conditional', openType: 'closed', exchangeModes: ['pull'], updateCycle: 'daily', keyField: 'uscc' },
    });
    assert.equal(res.statusCode, 403);
  });

  it('searches by Chinese words in the name, by provider, class, tag, sharing type and update cycle', async () => {
    const a = await buildDataset(t, market.id, { name: '企业年报公示信息', tags: ['年报'] });
    const b = await buildDataset(t, other.id, { name: '社会组织登记信息', class: 'thematic', sharingType: 'unconditional', tags: ['社会组织'], updateCycle: 'yearly' });
    const codes = async (qs: string) =>
      (await t.call(otherAdmin, { method: 'GET', url: `/v1/datasets?${qs}` })).json().items.map((d: { code: string }) => d.code);
    assert.deepEqual(await codes(`q=${encodeURIComponent('年报')}`), [a.code]);
    assert.deepEqual(await codes(`q=${encodeURIComponent('社会组织登记')}`), [b.code]);
    assert.ok((await codes(`provider=${market.id}`)).includes(a.code));
    assert.ok(!(await codes(`provider=${market.id}`)).includes(b.code));
    assert.deepEqual(await codes('class=thematic'), [b.code]);
    assert.deepEqual(await codes(`tag=${encodeURIComponent('年报')}`), [a.code]);
    assert.ok((await codes('sharingType=unconditional')).includes(b.code));
    assert.ok(!(await codes('sharingType=unconditional')).includes(a.code));
    assert.ok((await codes('updateCycle=yearly')).includes(b.code));
    assert.ok(!(await codes('updateCycle=yearly')).includes(a.code));
    assert.ok((await codes('updateCycle=realtime')).includes(a.code));
    assert.equal((await t.call(otherAdmin, { method: 'GET', url: '/v1/datasets?updateCycle=hourly' })).statusCode, 400);
  });

  it('a dataset that is not shared must state its legal basis', async () => {
    const res = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/datasets',
      payload: { name: '涉密信息', providerDepartmentId: market.id, class: 'department', sharingType: 'none', openType: 'closed', exchangeModes: ['pull'], updateCycle: 'yearly', keyField: 'uscc' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errors[0].pointer, '/legalBasis');
  });

  it('contacts (A/B posts) must be people of the provider department', async () => {
    const { user: approver } = await buildUser(t, [{ role: 'approver', departmentId: market.id }]);
    const { user: stranger } = await buildUser(t, [{ role: 'approver', departmentId: other.id }]);
    const ok = await buildDataset(t, market.id, { contacts: { primary: approver.id } });
    assert.deepEqual(ok.contacts, { primary: approver.id, backup: null });
    const bad = await t.call(t.adminToken, { method: 'PATCH', url: `/v1/datasets/${ok.code}`, payload: { contacts: { primary: approver.id, backup: stranger.id } } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].pointer, '/contacts/backup');
  });
});

describe('contracts', () => {
  it('refuses a schema that is not valid JSON Schema, or whose key field is missing or not required, with the reason', async () => {
    const dataset = await buildDataset(t, market.id, { contract: undefined }, { publish: false });
    const post = (contract: object) => t.call(marketAdmin, { method: 'POST', url: `/v1/datasets/${dataset.code}/contracts`, payload: contract });

    const notSchema = await post({ schema: { type: 'object', properties: { uscc: { type: 'strin' } } }, fields: {} });
    assert.equal(notSchema.statusCode, 400);
    assert.ok(notSchema.json().errors.some((e: { pointer: string; message: string }) => e.pointer.startsWith('/schema') && /JSON Schema/.test(e.message)));

    const unknownFormat = await post({ schema: { type: 'object', required: ['uscc'], properties: { uscc: { type: 'string', format: 'cn-nonsense' } } }, fields: { uscc: { title: '代码', sensitivity: 'public' } } });
    assert.equal(unknownFormat.statusCode, 400);
    assert.match(unknownFormat.json().errors[0].message, /unknown format "cn-nonsense"/);

    const noKey = await post({ schema: { type: 'object', properties: { name: { type: 'string' } } }, fields: { name: { title: '名称', sensitivity: 'public' } } });
    assert.deepEqual(noKey.json().errors.map((e: { pointer: string }) => e.pointer), ['/schema/properties', '/schema/required']);

    const optionalKey = await post({ schema: { type: 'object', properties: { uscc: { type: 'string' } } }, fields: { uscc: { title: '代码', sensitivity: 'public' } } });
    assert.deepEqual(optionalKey.json().errors.map((e: { pointer: string }) => e.pointer), ['/schema/required']);

    const undocumented = await post({ schema: { type: 'object', required: ['uscc'], properties: { uscc: { type: 'string' }, x: { type: 'string' } } }, fields: { uscc: { title: '代码', sensitivity: 'public' } } });
    assert.deepEqual(undocumented.json().errors.map((e: { pointer: string }) => e.pointer), ['/fields/x']);

    const looser = licenceContract();
    (looser.fields as Record<string, { sharingType?: string }>).name!.sharingType = 'unconditional';
    const tooOpen = await post(looser);
    assert.deepEqual(tooOpen.json().errors.map((e: { pointer: string }) => e.pointer), ['/fields/name/sharingType']);
  });

  it('a compatible change is the next minor version; a breaking one is refused with what breaks, or becomes a new major', async () => {
    const dataset = await buildDataset(t, market.id);
    const base = `/v1/datasets/${dataset.code}/contracts`;
    const compatible = licenceContract();
    const schema = compatible.schema as { properties: Record<string, Record<string, unknown>> };
    schema.properties.phone = { type: 'string', maxLength: 20 };
    (compatible.fields as Record<string, unknown>).phone = { title: '联系电话', sensitivity: 'personal', masking: 'phone' };
    schema.properties.status!.enum = ['active', 'revoked', 'cancelled', 'moved-out'];
    const minor = await t.call(marketAdmin, { method: 'POST', url: base, payload: compatible });
    assert.equal(minor.statusCode, 201, minor.body);
    assert.equal(minor.json().version, '1.1');

    const breaking = licenceContract();
    const b = breaking.schema as { properties: Record<string, Record<string, unknown>>; required: string[] };
    delete b.properties.establishedOn;
    delete (breaking.fields as Record<string, unknown>).establishedOn;
    b.required.push('legalRepresentative');
    b.properties.status!.enum = ['active', 'revoked'];
    b.properties.registeredCapital!.minimum = 10;
    const refused = await t.call(marketAdmin, { method: 'POST', url: base, payload: breaking });
    assert.equal(refused.statusCode, 409);
    const breaks = refused.json().errors.map((e: { pointer: string; message: string }) => `${e.pointer}: ${e.message}`).sort();
    assert.deepEqual(breaks, [
      '/schema/properties/establishedOn: field "establishedOn" was removed',
      '/schema/properties/phone: field "phone" was removed',
      '/schema/properties/registeredCapital/minimum: raised from 0 to 10',
      '/schema/properties/status/enum: no longer allows "cancelled", "moved-out"',
      '/schema/required: field "legalRepresentative" became required',
    ]);
    const major = await t.call(marketAdmin, { method: 'POST', url: base, payload: { ...breaking, breaking: true } });
    assert.equal(major.statusCode, 201);
    assert.equal(major.json().version, '2.0');
    const versions = (await t.call(otherAdmin, { method: 'GET', url: base })).json().items.map((c: { version: string }) => c.version);
    assert.deepEqual(versions, ['2.0', '1.1', '1.0']);
    assert.equal((await t.call(otherAdmin, { method: 'GET', url: `${base}/1.1` })).json().version, '1.1');
  });

  it('records keep the contract version they were validated against', async () => {
    const dataset = await buildDataset(t, market.id);
    const node = await buildNode(t, market.id);
    const first = licence();
    await sendBatch(t, node, dataset.code, { batchId: 'v1', records: [upsert(first)] });
    const next = licenceContract();
    (next.schema as { properties: Record<string, unknown> }).properties.website = { type: 'string' };
    (next.fields as Record<string, unknown>).website = { title: '网站', sensitivity: 'public' };
    await t.call(marketAdmin, { method: 'POST', url: `/v1/datasets/${dataset.code}/contracts`, payload: next });
    const second = licence(undefined, { website: 'https://example.cn' });
    const res = await sendBatch(t, node, dataset.code, { batchId: 'v2', records: [upsert(second)] });
    assert.equal(res.json().accepted, 1, res.body);
    const rows = await t.database.db.selectFrom('records').select(['key', 'contract_version']).where('key', 'in', [first.uscc, second.uscc]).execute();
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.key, r.contract_version])), { [first.uscc]: '1.0', [second.uscc]: '1.1' });
  });

  it('a retired dataset takes no more data', async () => {
    const dataset = await buildDataset(t, market.id);
    const node = await buildNode(t, market.id);
    const retired = await t.call(marketAdmin, { method: 'POST', url: `/v1/datasets/${dataset.code}/retire`, payload: { reason: '并入新目录' } });
    assert.equal(retired.json().status, 'retired');
    const res = await sendBatch(t, node, dataset.code, { batchId: 'late', records: [upsert(licence())] });
    assert.equal(res.statusCode, 409);
  });
});
