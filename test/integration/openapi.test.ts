import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { onBehalfOfHeader } from '../../contracts/on-behalf-of.ts';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../exchange/config.ts';
import { buildApp } from '../../exchange/server.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { fileRequest } from '../support/cases.ts';
import { buildDataset, licence, licenceContract, sendBatch, upsert } from '../support/catalog.ts';
import { onFileEnd } from '../support/database.ts';
import { assertDocumented, checkerFor, type OpenApiDocument } from '../support/openapi-check.ts';

interface Responses {
  [status: string]: { content?: Record<string, { schema?: { $ref?: string; type?: string } }> };
}

let t: TestApp;
let doc: OpenApiDocument & { components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> } };
before(async () => {
  t = await startTestApp();
  doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).json();
});

function operations(): [string, { security?: unknown[]; responses: Responses }][] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${p}`, op as { security?: unknown[]; responses: Responses }] as [string, { security?: unknown[]; responses: Responses }]),
  );
}

describe('the OpenAPI document', () => {
  it("documents the API, not the console's web pages", () => {
    assert.deepEqual(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/')).sort(), ['/healthz', '/readyz']);
  });

  it('regression: errors were declared application/json under 4XX/5XX; each status is its own application/problem+json Problem', () => {
    for (const [route, op] of operations()) {
      const statuses = Object.keys(op.responses);
      assert.ok(!statuses.some((s) => /XX$/.test(s)), `${route} declares a status range: ${statuses}`);
      for (const must of ['400', '500', '503', ...(op.security?.length ? ['401', '403'] : [])]) {
        assert.ok(statuses.includes(must), `${route} does not declare ${must}`);
      }
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const content = op.responses[status]!.content ?? {};
        assert.deepEqual(Object.keys(content), ['application/problem+json'], `${route} ${status}`);
        assert.equal(content['application/problem+json']!.schema?.$ref, '#/components/schemas/Problem', `${route} ${status}`);
      }
    }
    // what only some routes send is declared where it is sent
    assert.ok(doc.paths['/v1/auth/login']!.post!.responses!['429'], 'login throttles');
    assert.ok(doc.paths['/v1/datasets/{code}/records/{key}']!.get!.responses!['429'], 'the read policy limits requests');
  });

  it('regression: the on-behalf-of header of a receiving node was undeclared; it is declared on the receiving routes only', () => {
    const parameters = (route: string, method: string) =>
      ((doc.paths[route] as Record<string, { parameters?: { in: string; name: string }[] }>)[method]!.parameters ?? []).filter((p) => p.in === 'header');
    for (const [route, method] of [['/v1/subscriptions/{id}/events', 'get'], ['/v1/subscriptions', 'post'], ['/v1/datasets/{code}', 'get']] as const) {
      assert.ok(parameters(route, method).some((p) => p.name === onBehalfOfHeader), `${method} ${route}`);
    }
    assert.ok(!parameters('/v1/datasets/{code}/batches', 'post').some((p) => p.name === onBehalfOfHeader), 'publishing is never on behalf of a system');
    assert.ok(parameters('/v1/datasets/{code}/records/{key}', 'get').some((p) => p.name === 'x-operator'), 'the operator header stays declared');
  });

  it('regression: the export had no 200; it declares NDJSON (one ExportLine a line) and CSV, and real exports match', async () => {
    const exported = doc.paths['/v1/datasets/{code}/export']!.get!.responses!['200'] as Responses[string];
    assert.equal(exported.content?.['application/x-ndjson']?.schema?.$ref, '#/components/schemas/ExportLine');
    assert.equal(exported.content?.['text/csv']?.schema?.type, 'string');
    assert.ok(doc.components.schemas.ExportLine!.properties!.cursor, 'each line carries its cursor');

    const market = await buildDepartment(t);
    const node = await buildNode(t, market.id);
    const dataset = await buildDataset(t, market.id);
    const sent = await sendBatch(t, node, dataset.code, { batchId: 'openapi-export-1', records: [upsert(licence()), upsert(licence())] });
    assert.equal(sent.statusCode, 200, sent.body);
    // t.call checks each answer against the document: these pass only if the lines match ExportLine
    const ndjson = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${dataset.code}/export` });
    assert.equal(ndjson.statusCode, 200, ndjson.body);
    assert.equal(ndjson.body.trim().split('\n').length, 2);
    const csv = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${dataset.code}/export?format=csv` });
    assert.equal(csv.statusCode, 200, csv.body);
    const header = csv.body.split('\r\n')[0]!.split(',');
    assert.deepEqual(header.slice(0, -1).sort(), Object.keys(licenceContract().fields).sort());
    assert.equal(header.at(-1), 'cursor');
  });

  it('regression: registry fields with no narrowing had no sharing type; each field states the one that applies', async () => {
    const bureau = await buildDepartment(t);
    const officer = await buildUser(t, [{ role: 'approver', departmentId: bureau.id }]);
    const made = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/registries',
      payload: { kind: 'population', providerDepartmentId: bureau.id, sharingType: 'unconditional', contacts: { primary: officer.user.id } },
    });
    assert.equal(made.statusCode, 201, made.body);
    const registry = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${made.json().code}` });
    const fields = registry.json().contract.fields as Record<string, { sharingType?: string }>;
    assert.equal(fields.idNumber!.sharingType, 'unconditional', 'a base item inherits the registry’s type');
    assert.equal(fields.ethnicity!.sharingType, 'conditional', 'a sensitive item keeps its narrowing');
    assert.ok(Object.values(fields).every((f) => f.sharingType !== undefined && f.sharingType !== null));

  });

  it('regression: a field marked unconditional was granted on the spot after its dataset became conditional; shown and shared as the dataset now is', async () => {
    const provider = await buildDepartment(t);
    const officer = await buildUser(t, [{ role: 'approver', departmentId: provider.id }]);
    const contract = licenceContract();
    for (const field of ['uscc', 'name'] as const) (contract.fields as Record<string, { sharingType?: string }>)[field]!.sharingType = 'unconditional';
    const dataset = await buildDataset(t, provider.id, { sharingType: 'unconditional', contract, contacts: { primary: officer.user.id } });
    const stricter = await t.call(t.adminToken, { method: 'PATCH', url: `/v1/datasets/${dataset.code}`, payload: { sharingType: 'conditional' } });
    assert.equal(stricter.statusCode, 200, stricter.body);
    const contracts = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${dataset.code}/contracts` });
    const shown = contracts.json().items[0].fields as Record<string, { sharingType?: string }>;
    assert.ok(Object.values(shown).every((f) => f.sharingType === 'conditional'), JSON.stringify(shown));

    const system = await buildSystem(t, (await buildDepartment(t)).id);
    const filed = await fileRequest(t, system.apiKey, { datasets: [{ code: dataset.code, fields: ['uscc', 'name'] }] });
    assert.equal(filed.state, 'submitted', 'a person decides, as for every conditional field');
    assert.deepEqual(filed.parts[0]!.autoFields, []);
  });

  it('regression: the document said contracts could be draft 2020-12, the README draft-07; a 2020-12 schema is a 400, not a 500', async () => {
    const described = doc.components.schemas.ContractCreate!.properties!.schema!.description ?? '';
    assert.match(described, /draft-07/);
    assert.doesNotMatch(described, /2020-12/);
    const dataset = await buildDataset(t, (await buildDepartment(t)).id);
    const contract = licenceContract();
    const post = (schema: Record<string, unknown>) =>
      t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${dataset.code}/contracts`, payload: { ...contract, schema } });
    const newer = await post({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...contract.schema });
    assert.equal(newer.statusCode, 400, newer.body);
    assert.deepEqual(newer.json().errors.map((e: { pointer: string }) => e.pointer), ['/schema/$schema']);
    const seven = await post({ $schema: 'http://json-schema.org/draft-07/schema#', ...contract.schema });
    assert.equal(seven.statusCode, 201, seven.body);
  });
});

describe('the response check', () => {
  let drifting: FastifyInstance;
  before(async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'brx-openapi-'));
    onFileEnd(() => rm(home, { recursive: true, force: true }));
    const config = loadConfig({ BRX_HOME: home, BRX_LOG_LEVEL: 'silent', BRX_SCHEDULER_INTERVAL_SECONDS: '0' });
    drifting = await buildApp({ config, db: t.database.db, logger: false });
    onFileEnd(() => drifting.close());
    // routes whose answers break what they declare, as a server change could
    const declared = { 200: { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { type: 'string', enum: ['a', 'b'] } } } };
    const route = (url: string, send: (reply: import('fastify').FastifyReply) => unknown, schema: Record<string, unknown> = { response: declared }) =>
      drifting.get(url, { config: { access: 'public' }, schema }, async (_request, reply) => send(reply));
    route('/v1/drift/fine', (reply) => reply.send({ kind: 'a' }));
    route('/v1/drift/status', (reply) => reply.status(418).type('application/problem+json').send({ type: 'x', title: 'x', status: 418, detail: 'x', code: 'X', errors: [] }));
    route('/v1/drift/type', (reply) => reply.type('text/plain').send('a'));
    route('/v1/drift/field', (reply) => reply.type('application/json').send(JSON.stringify({ kind: 'a', secret: 'x' })));
    route('/v1/drift/enum', (reply) => reply.type('application/json').send(JSON.stringify({ kind: null })));
    route('/v1/drift/error-type', (reply) => reply.status(404).type('application/json').send(JSON.stringify({ message: 'gone' })), {
      response: { ...declared, 404: { $ref: 'Problem#' } },
    });
    route('/v1/drift/no-content', (reply) => reply.status(204).send(), { response: { 204: { type: 'null' } } });
    route('/v1/drift/lines', (reply) => reply.type('application/x-ndjson').send('{"kind":"a"}\n{"kind":"c"}\n'), {
      response: { 200: { content: { 'application/x-ndjson': { schema: declared[200] } } } },
    });
    route('/v1/drift/hidden', (reply) => reply.send({ kind: 'a' }), { hide: true });
  });

  async function problem(url: string): Promise<string | undefined> {
    const res = await drifting.inject({ method: 'GET', url });
    return (await checkerFor(drifting)).problemWith('GET', url, res);
  }

  it('passes an answer the document describes', async () => {
    assert.equal(await problem('/v1/drift/fine'), undefined);
    assert.equal(await problem('/v1/drift/no-content'), undefined);
    assert.equal(await problem('/v1/drift/nowhere'), undefined, 'an unknown /v1 path is a problem+json 404');
  });

  it('names the route and status of an undeclared status', async () => {
    assert.match((await problem('/v1/drift/status')) ?? '', /GET \/v1\/drift\/status answered 418, which the OpenAPI document does not declare/);
  });

  it('catches a wrong content type, on success and on error', async () => {
    assert.match((await problem('/v1/drift/type')) ?? '', /GET \/v1\/drift\/type 200 is sent as text\/plain, but the OpenAPI document declares application\/json/);
    assert.match((await problem('/v1/drift/error-type')) ?? '', /404 is sent as application\/json, but the OpenAPI document declares application\/problem\+json/);
  });

  it('catches a body field outside the schema and a value outside an enum, in a JSON body or an NDJSON line', async () => {
    assert.match((await problem('/v1/drift/field')) ?? '', /GET \/v1\/drift\/field 200: body breaks its schema: \/ must NOT have additional properties \(secret\)/);
    assert.match((await problem('/v1/drift/enum')) ?? '', /\/kind must be equal to one of the allowed values \("a", "b"\)/);
    assert.match((await problem('/v1/drift/lines')) ?? '', /200: line 2 breaks its schema: \/kind must be equal to one of the allowed values/);
  });

  it('catches a /v1 route the document leaves out', async () => {
    assert.match((await problem('/v1/drift/hidden')) ?? '', /GET \/v1\/drift\/hidden is not in the OpenAPI document, yet answered 200/);
  });

  it('fails the test that meets a drift (what TestApp.call runs on every answer)', async () => {
    const res = await drifting.inject({ method: 'GET', url: '/v1/drift/field' });
    await assert.rejects(assertDocumented(drifting, 'GET', '/v1/drift/field', res), /^Error: OpenAPI drift: GET \/v1\/drift\/field 200/);
  });
});
