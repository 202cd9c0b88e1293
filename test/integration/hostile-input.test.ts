/**
 * Every /v1 route, fed a corpus of malformed and hostile input: NUL and lone surrogates, numbers
 * beyond every range, forged cursors, bad percent-encoding, bodies of the wrong shape or nested
 * thousands deep. No answer may be a 5xx, and every refusal is problem+json. Routes come from the
 * app's own OpenAPI document, so a route added later is covered without touching this file.
 */
import assert from 'node:assert/strict';
import { type KeyObject, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { buildDataset, licence, sendBatch, signBatch, upsert } from '../support/catalog.ts';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is untyped JSON
type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: { in: string; name: string; schema?: Schema }[];
  body?: Schema;
}

/** Hostile text as it arrives in a JSON body (the parser gives the real characters). */
const hostileText = ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', "'; drop table records; --", '%00', ''.padEnd(5000, 'x')];
/** Hostile text as it arrives in a URL: already percent-encoded, including malformed encodings. */
const hostileInUrl = [
  '%00',
  'a%00b',
  '%ED%A0%80', // the UTF-8 bytes of a lone surrogate
  '%C0%80', // an overlong NUL
  '%E0%A4%A',
  '%',
  '%FF',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1',
  '0',
  '1.5',
  '9223372036854775807',
  '99999999999999999999999',
  '0000-01-01',
  '9999-99-99',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  'true',
  '%5B%5D',
  'eyJ4IjoxfQ', // base64url of {"x":1}: a forged cursor
  'MjAyNi0wMS0wMXxub3BlIg', // base64url of 2026-01-01|nope"
  '..%2F..%2Fetc%2Fpasswd',
  'x'.repeat(300),
];
/** Numbers JSON can spell but a database cannot hold (1e309 parses as Infinity). */
const hostileNumbers = ['1e309', '-1e309', '9223372036854775808', '1.5', '-1'];

let t: TestApp;
let ops: Operation[];
let components: Record<string, Schema>;
const idsBySegment: Record<string, string> = {};
const tokens: Record<string, string> = {};
let throwaway: string;
let signer: KeyObject;

function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema) return schema;
  if (typeof schema.$ref === 'string') return resolve(components[schema.$ref.split('/').pop()!]);
  return schema;
}

/** A body of the schema's shape with every declared field present (valid or not, it reaches deep). */
function skeleton(raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(raw);
  if (!schema || depth > 6) return 'x';
  if (schema.oneOf || schema.anyOf) return skeleton((schema.oneOf ?? schema.anyOf)[0], depth + 1);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((x: string) => x !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    return Object.fromEntries(Object.entries<Schema>(schema.properties ?? {}).map(([k, v]) => [k, skeleton(v, depth + 1)]));
  }
  if (type === 'array') return [skeleton(schema.items, depth + 1)];
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return true;
  if (schema.format === 'uuid') return randomUUID();
  if (schema.format === 'date') return '2026-01-05';
  if (schema.format === 'date-time') return '2026-01-05T10:00:00+08:00';
  if (schema.format === 'uri') return 'https://example.org/hook';
  return 'x';
}

/** JSON pointer paths of every leaf of a value. */
function leaves(value: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const out = entries.flatMap(([k, v]) => leaves(v, [...path, k]));
    return out.length ? out : [{ path, value }];
  }
  return [{ path, value }];
}

function replaced(value: unknown, path: string[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string, unknown>;
  copy[path[0]!] = replaced(copy[path[0]!], path.slice(1), by);
  return copy;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** The bodies to try on a route that takes one, as raw JSON text (some are not valid JSON). */
function hostileBodies(schema: Schema | undefined): string[] {
  const base = skeleton(schema);
  const bodies: string[] = [
    '"none"',
    '[]',
    'null',
    '{"a":',
    '{"\\u0000":1}',
    '{"__proto__":{"polluted":true}}',
    `{"x":${nested(5000)}}`,
    nested(5000),
    JSON.stringify({ ...(base as object), '\u0000key': 1, '\ud800': 'x' }),
  ];
  for (const leaf of leaves(base)) {
    for (const text of hostileText.slice(0, 5)) bodies.push(JSON.stringify(replaced(base, leaf.path, text)));
    for (const n of hostileNumbers) bodies.push(JSON.stringify(replaced(base, leaf.path, '@@N@@')).replace('"@@N@@"', n));
    bodies.push(JSON.stringify(replaced(base, leaf.path, { nested: JSON.parse(nested(100)) })));
    bodies.push(JSON.stringify(replaced(base, leaf.path, 'none')));
  }
  return bodies;
}

function concrete(op: Operation, override: Record<string, string> = {}): string {
  const segments = op.path.split('/');
  return segments
    .map((s, i) => {
      const name = /^\{(.+)\}$/.exec(s)?.[1];
      if (!name) return s;
      if (name in override) return override[name];
      return idsBySegment[`${segments[i - 1]}/${name}`] ?? idsBySegment[name] ?? randomUUID();
    })
    .join('/');
}

let asked = 0;
/** hostile batches answered 200: their bad records were rejected one by one, past the signature */
let batchesTaken = 0;
const failures: string[] = [];

/** A batch is signed, so its records go past the signature check into ingest. */
function signed(options: InjectOptions): InjectOptions {
  if (options.method !== 'POST' || !/^\/v1\/datasets\/[^/]+\/batches$/.test(options.url as string)) return options;
  // each its own batch id: a reused one with another body is (rightly) a conflict
  const payload = (typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload ?? {})).replace('"batchId":"x"', `"batchId":"h-${asked}"`);
  let datasetCode: string;
  try {
    datasetCode = decodeURIComponent((options.url as string).split('/')[3]!);
  } catch {
    return options; // a malformed path segment: refused before anyone reads a signature
  }
  return { ...options, payload, headers: { 'content-type': 'application/json', ...(options.headers as object), 'x-brx-signature': signBatch(signer, datasetCode, payload) } };
}

async function check(token: string, what: string, options: InjectOptions): Promise<LightMyRequestResponse> {
  asked += 1;
  const res = await t.call(token, signed(options));
  if (options.method === 'POST' && /\/batches$/.test(options.url as string) && res.statusCode === 200) batchesTaken += 1;
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 500) failures.push(`${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  else if (res.statusCode >= 400 && !type.startsWith('application/problem+json')) failures.push(`${what}: ${res.statusCode} as ${type}`);
  return res;
}

/** The first credential the route does not refuse outright: an admin, else a node, else a system. */
async function tokenFor(op: Operation): Promise<string> {
  if (op.path === '/v1/auth/logout') return throwaway;
  const names = op.path.startsWith('/v1/nodes/self') ? ['node'] : ['admin', 'node', 'system'];
  for (const name of names) {
    const res = await t.call(tokens[name]!, signed({ method: op.method as 'GET', url: concrete(op), ...(op.body ? { payload: skeleton(op.body) as object } : {}) }));
    if (res.statusCode !== 401 && res.statusCode !== 403) return tokens[name]!;
  }
  return tokens.admin!;
}

before(async () => {
  t = await startTestApp();
  const dept = await buildDepartment(t);
  const node = await buildNode(t, dept.id);
  const spareNode = await buildNode(t, dept.id);
  const system = await buildSystem(t, dept.id);
  const spareSystem = await buildSystem(t, dept.id);
  const dataset = await buildDataset(t, dept.id);
  const spareUser = await buildUser(t, [{ role: 'auditor' }]);
  throwaway = (await buildUser(t, [{ role: 'auditor' }])).token;
  await sendBatch(t, node, dataset.code, { batchId: 'seed', records: [upsert(licence()), { op: 'upsert', key: 'bad', data: {}, sourceTime: 'never' }] });
  const quarantined = await t.call(t.adminToken, { method: 'GET', url: `/v1/datasets/${dataset.code}/quarantine` });
  Object.assign(tokens, { admin: t.adminToken, node: node.apiKey, system: system.apiKey });
  signer = node.privateKey;
  Object.assign(idsBySegment, {
    'departments/id': dept.id,
    'nodes/machineId': spareNode.node.id,
    'systems/machineId': spareSystem.system.id,
    'nodes/id': node.node.id,
    'users/id': spareUser.user.id,
    'datasets/code': dataset.code,
    'batches/batchId': 'seed',
    'quarantine/id': quarantined.json().items[0]?.id ?? randomUUID(),
    'calendar/year': '2026',
    'registries/kind': 'population',
    'sources/departmentId': dept.id,
    'contracts/version': '1.0',
    'subjects/id': '360502198001010015',
  });
  const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).json();
  components = doc.components?.schemas ?? {};
  ops = [];
  for (const [path, methods] of Object.entries<Record<string, Schema>>(doc.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries<Schema>(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
});

describe('hostile input on every /v1 route', () => {
  it('finds the routes in the OpenAPI document', () => {
    assert.ok(ops.length > 60, `only ${ops.length} routes`);
  });

  it('never answers 5xx, and every refusal is problem+json', { timeout: 110_000 }, async () => {
    // what ends things (retiring the dataset, revoking keys) goes last, so the rest reaches deep
    const last = (op: Operation) => (op.method === 'DELETE' || /\/(retire|revoke)$/.test(op.path) ? 1 : 0);
    for (const op of [...ops].sort((a, b) => last(a) - last(b))) {
      const token = await tokenFor(op);
      const where = `${op.method} ${op.path}`;
      const inject = (url: string, extra: Partial<InjectOptions> = {}) =>
        ({ method: op.method as 'GET', url, ...(op.body && !('payload' in extra) ? { payload: skeleton(op.body) as object } : {}), ...extra }) as InjectOptions;
      for (const param of op.params.filter((p) => p.in === 'path')) {
        for (const value of hostileInUrl) await check(token, `${where} path ${param.name}=${value}`, inject(concrete(op, { [param.name]: value })));
      }
      for (const param of op.params.filter((p) => p.in === 'query')) {
        for (const value of hostileInUrl) await check(token, `${where} ?${param.name}=${value}`, inject(`${concrete(op)}?${param.name}=${value}`));
      }
      // a query parameter the route does not declare, and a repeated one
      await check(token, `${where} ?%00=1`, inject(`${concrete(op)}?%00=1&a=%ED%A0%80&a=2`));
      for (const param of op.params.filter((p) => p.in === 'header')) {
        for (const value of ['\u00e9\u00e9', 'x'.repeat(100)]) await check(token, `${where} header ${param.name}`, inject(concrete(op), { headers: { [param.name]: value } }));
      }
      if (op.body) {
        for (const body of hostileBodies(op.body)) {
          await check(token, `${where} body ${body.slice(0, 80)}`, inject(concrete(op), { payload: body, headers: { 'content-type': 'application/json' } }));
        }
        await check(token, `${where} text/plain`, inject(concrete(op), { payload: 'hello', headers: { 'content-type': 'text/plain' } }));
        await check(token, `${where} charset`, inject(concrete(op), { payload: '{}', headers: { 'content-type': 'application/json; charset=latin-7' } }));
      }
    }
    if (process.env.HOSTILE_DUMP) (await import('node:fs')).writeFileSync(process.env.HOSTILE_DUMP, failures.join('\n'));
    assert.ok(asked > 2000, `only ${asked} requests`);
    assert.ok(batchesTaken > 10, `only ${batchesTaken} hostile batches reached ingest`);
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} of ${asked} requests failed`);
  });
});
