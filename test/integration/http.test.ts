import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});

describe('operations endpoints', () => {
  it('/healthz and /readyz answer 200 without credentials', async () => {
    assert.equal((await t.call(null, { method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await t.call(null, { method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('/metrics is Prometheus text with request counts by route pattern', async () => {
    await t.call(null, { method: 'GET', url: '/v1/departments' });
    const res = await t.call(null, { method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(res.body, /brx_http_requests_total\{method="GET",route="\/v1\/departments",status="401"\} 1/);
  });

  it('/docs serves the browsable API documentation', async () => {
    const res = await t.call(null, { method: 'GET', url: '/docs/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger-ui/i);
  });
});

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3 and lists every /v1 route with bearer security', async () => {
    const res = await t.call(null, { method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 2000));
    assert.match(doc.openapi, /^3\./);

    const routes = t.app.v1Routes.map((r) => `${r.method} ${r.url}`);
    assert.ok(routes.length >= 20, `found ${routes.length} routes`);
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const openapiPath = path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[openapiPath]?.[method.toLowerCase()];
      assert.ok(op, `${route} is missing from /openapi.json`);
      if (path !== '/v1/auth/login') assert.deepEqual(op.security, [{ bearer: [] }], `${route} must require a bearer`);
    }
    assert.ok(doc.components.schemas.Department, 'shared schemas are components');
  });
});

describe('request errors are problem+json', () => {
  it('regression: raw Chinese in a URL (as curl sends it) got fastify’s plain JSON; now a problem document', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(Buffer.from('GET /v1/departments?q=公安 HTTP/1.1\r\nHost: localhost\r\n\r\n', 'utf8')));
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /content-type: application\/problem\+json/i);
    assert.match(answer, /percent-encode/);
  });

  it('malformed JSON gives 400, never 500', async () => {
    const res = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/departments',
      headers: { 'content-type': 'application/json' },
      payload: '{"code": "1136',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(res.json().code, 'BRX_ERR_MALFORMED_BODY');
  });

  it('a body over the limit gives 413', async () => {
    const small = await startTestApp({ BRX_BODY_LIMIT_BYTES: '2048' });
    const res = await small.call(small.adminToken, {
      method: 'POST',
      url: '/v1/departments',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(5000) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'BRX_ERR_PAYLOAD_TOO_LARGE');
  });

  it('schema violations list every offending field as a JSON pointer', async () => {
    const res = await t.call(t.adminToken, {
      method: 'POST',
      url: '/v1/departments',
      payload: { code: '91350100M000100Y44', level: 'town', extra: 1 },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'BRX_ERR_VALIDATION');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    assert.deepEqual(pointers, ['/code', '/extra', '/level', '/name']);
    assert.ok(body.errors.every((e: { in: string; message: string }) => e.in === 'body' && e.message.length > 0));
  });

  it('an unknown route gives 404 problem+json', async () => {
    const res = await t.call(t.adminToken, { method: 'GET', url: '/v1/nothing-here' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'BRX_ERR_NOT_FOUND');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.call(null, { method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const made = await t.call(null, { method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    assert.match(made.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
  });
});
