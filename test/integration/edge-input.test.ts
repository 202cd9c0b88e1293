import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildDepartment, buildNode, buildSystem, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, sendBatch } from '../support/catalog.ts';

let t: TestApp;
let code: string;
let systemKey: string;
before(async () => {
  t = await startTestApp({ BRX_BODY_LIMIT_BYTES: '65536' });
  const dept = await buildDepartment(t);
  const node = await buildNode(t, dept.id);
  systemKey = (await buildSystem(t, dept.id)).apiKey;
  code = (await buildDataset(t, dept.id)).code;
  await sendBatch(t, node, code, { batchId: 'seed', records: [{ op: 'upsert', key: 'x', data: {}, sourceTime: 'never' }] });
});

const get = (url: string, token = t.adminToken) => t.call(token, { method: 'GET', url });

/** A 400 problem document whose first error is at `pointer` in `where`. */
function refused(res: LightMyRequestResponse, where: string, pointer: string, status = 400): { message: string } {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const error = res.json().errors.find((e: { in?: string; pointer?: string }) => e.in === where && e.pointer === pointer);
  assert.ok(error, `no error at ${where} ${pointer}: ${res.body}`);
  return error;
}

describe('cursors', () => {
  it('a forged or malformed cursor on every list route is a 400 naming cursor', async () => {
    const routes = ['/v1/datasets', '/v1/grants', '/v1/quality/issues', `/v1/datasets/${code}/batches`, `/v1/datasets/${code}/quarantine`, '/v1/cases', '/v1/audit/admin', '/v1/audit/access'];
    const forged = ['eyJ4IjoxfQ', 'WyJub3QtYS11dWlkIiwxLDJd', 'WzEuNV0', '%00', '2026-01-01T00:00:00Z', '9223372036854775807', 'Infinity', '!!!'];
    for (const route of routes) {
      for (const cursor of forged) {
        const res = await get(`${route}?cursor=${cursor}`);
        assert.equal(res.statusCode, 400, `${route} cursor=${cursor}: ${res.body}`);
        refused(res, 'query', '/cursor');
      }
    }
    for (const cursor of forged) refused(await get(`/v1/notifications?cursor=${cursor}`, systemKey), 'query', '/cursor');
    // of the right shape for one route, the wrong type for another: ["not-a-uuid"]
    for (const route of ['/v1/grants', '/v1/quality/issues', `/v1/datasets/${code}/batches`, `/v1/datasets/${code}/quarantine`]) {
      refused(await get(`${route}?cursor=WyJub3QtYS11dWlkIl0`), 'query', '/cursor');
    }
  });

  it('a cursor the route gave out pages on', async () => {
    const first = (await get('/v1/datasets?limit=1')).json();
    assert.ok(first.nextCursor);
    assert.equal((await get(`/v1/datasets?limit=1&cursor=${first.nextCursor}`)).statusCode, 200);
  });
});

describe('text no store can keep', () => {
  it('is refused in a body field at any depth, in a field name, in a query parameter and in a path segment', async () => {
    const post = (payload: string) => t.call(t.adminToken, { method: 'POST', url: '/v1/departments', headers: { 'content-type': 'application/json' }, payload });
    assert.match(refused(await post('{"code":"x","name":"a\\u0000b","level":"city"}'), 'body', '/name').message, /NUL/);
    assert.match(refused(await post('{"code":"x","name":"\\ud800","level":"city"}'), 'body', '/name').message, /unpaired surrogate \(\\ud800\)/);
    refused(await post('{"code":"x","name":"ok","level":"city","contacts":{"a":["\\udfffx"]}}'), 'body', '/contacts/a/0');
    assert.match(refused(await post('{"code":"x","name":"ok","level":"city","k\\u0000":1}'), 'body', '/k\\u0000').message, /field name/);
    refused(await get('/v1/departments?q=a%00b'), 'query', '/q');
    refused(await get('/v1/datasets?tag=%00'), 'query', '/tag');
    refused(await get('/v1/datasets/a%00b'), 'params', '/code');
    refused(await get(`/v1/datasets/${code}/quarantine?key=%00`), 'query', '/key');
    // paired surrogates are ordinary text: an emoji or a CJK Extension B character is kept
    const fine = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets?q=${encodeURIComponent('𠀀😀')}` });
    assert.equal(fine.statusCode, 200, fine.body);
    const login = await t.call(null, { method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":"a\\u0000","password":"x"}' });
    refused(login, 'body', '/username');
  });
});

describe('numbers at the edges', () => {
  it('are a 400 naming the parameter', async () => {
    for (const limit of ['Infinity', '-Infinity', '1e309']) {
      refused(await get(`/v1/datasets?limit=${limit}`), 'query', '/limit');
      refused(await get(`/v1/audit/admin?limit=${limit}`), 'query', '/limit');
      refused(await get(`/v1/datasets/${code}/batches?limit=${limit}`), 'query', '/limit');
    }
    refused(await get('/v1/calendar/1e309'), 'params', '/year');
    refused(await get('/v1/calendar/Infinity'), 'params', '/year');
    refused(await get('/v1/stats/cases?from=0000-01-01'), 'query', '/from');
    refused(await get('/v1/audit/admin?from=0000-01-01T00:00:00Z'), 'query', '/from');
    const read = await t.call(systemKey, { method: 'POST', url: '/v1/notifications/9223372036854775807/read' });
    refused(read, 'params', '/id');
    const body = await t.call(t.adminToken, { method: 'PUT', url: '/v1/calendar/2026', headers: { 'content-type': 'application/json' }, payload: '{"confirmed":true,"source":"x","days":[],"n":1e309}' });
    refused(body, 'body', '/n');
  });
});

describe('nesting', () => {
  it('a request body nested 5,000 deep is a 400, not a stack overflow', async () => {
    const payload = `{"code":"x","name":"x","level":"city","contacts":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await t.call(t.adminToken, { method: 'POST', url: '/v1/departments', headers: { 'content-type': 'application/json' }, payload });
    assert.match(refused(res, 'body', `/contacts${'/0'.repeat(63)}`).message, /deeper than 64 levels/);
  });
});

describe("the HTTP layer's own refusals", () => {
  it('bad percent-encoding, a too long path segment, a foreign media type, a large body and bad JSON are problem+json', async () => {
    for (const url of ['/v1/datasets/%E0%A4%A', '/v1/datasets/%', '/v1/datasets/%ED%A0%80']) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
      assert.equal(res.json().code, 'BRX_ERR_VALIDATION');
    }
    // the longest record key a batch may carry, in Chinese and percent-encoded, is still a path segment
    const longestKey = await get(`/v1/datasets/no-such-dataset/records/${encodeURIComponent('键'.repeat(200))}`);
    assert.equal(longestKey.statusCode, 404, longestKey.body);
    const long = await get(`/v1/datasets/${'x'.repeat(2500)}`);
    assert.equal(long.statusCode, 414);
    assert.match(String(long.headers['content-type']), /^application\/problem\+json/);
    assert.equal(long.json().code, 'BRX_ERR_URI_TOO_LONG');
    const post = (payload: string, type: string) => t.call(t.adminToken, { method: 'POST', url: '/v1/departments', headers: { 'content-type': type }, payload });
    for (const [res, status] of [
      [await post('<name>x</name>', 'application/xml'), 415],
      [await post(`{"name":"${'x'.repeat(70_000)}"}`, 'application/json'), 413],
      [await post('{"name":', 'application/json'), 400],
    ] as const) {
      assert.equal(res.statusCode, status, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.equal(res.json().status, status);
    }
  });

  it('headers too large (431) and a malformed request line (400) are problem+json on a real socket', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
        let out = '';
        socket.on('data', (d) => {
          out += d;
        });
        socket.on('end', () => resolve(out));
        socket.on('error', reject);
      });
    const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431/);
    assert.match(big, /content-type: application\/problem\+json/i);
    const bad = await raw('GET /v1/datasets/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400/);
    assert.match(bad, /content-type: application\/problem\+json/i);
  });
});

describe('body validation', () => {
  it('does not coerce types in a body, and still coerces query parameters', async () => {
    const res = await t.call(t.adminToken, { method: 'POST', url: '/v1/departments', payload: { code: 123, name: ['x'], level: 'city' } });
    refused(res, 'body', '/code');
    refused(res, 'body', '/name');
    assert.equal((await get('/v1/datasets?limit=2')).statusCode, 200, 'limit=2 is still read as a number');
  });
});
