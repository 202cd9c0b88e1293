import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { onBehalfOfHeader } from '../../contracts/on-behalf-of.ts';
import { receivingRoutes } from '../../exchange/auth/guard.ts';
import { ManualClock } from '../../exchange/clock.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { buildDepartment, buildNode, buildSystem, buildUser, startTestApp, type TestApp } from '../support/app.ts';
import { at, fileRequest } from '../support/cases.ts';
import { buildDataset, licence, licenceContract, sendBatch, signBatch, upsert } from '../support/catalog.ts';
import { grant } from '../support/registries.ts';

/**
 * Every /v1 route of the OpenAPI document, called as every kind of caller: anonymous, a platform
 * admin, an auditor, and the head (dept_admin), approver, node and system of department A (the
 * provider, owning every resource named in the URL) and of department B (a consumer holding a
 * grant on A's dataset). The table says who gets past authorisation; everyone else must get
 * 401, 403 or 404 — never a 2xx — and anonymous callers 401 everywhere but login and health.
 * Two more callers are nodes acting for a system (X-Brx-On-Behalf-Of, a receiving job): B's node
 * for B's system may do what B's system may on the routes a receiving job uses, and nothing
 * else; A's node naming B's system, nothing.
 */
const callers = ['anonymous', 'admin', 'auditor', 'aHead', 'aApprover', 'aNode', 'aSystem', 'bHead', 'bApprover', 'bNode', 'bSystem', 'bNodeForBSystem', 'aNodeForBSystem'] as const;
type Caller = (typeof callers)[number];

const everyone: Caller[] = ['admin', 'auditor', 'aHead', 'aApprover', 'aNode', 'aSystem', 'bHead', 'bApprover', 'bNode', 'bSystem'];
const people: Caller[] = ['admin', 'auditor', 'aHead', 'aApprover', 'bHead', 'bApprover'];
const platform: Caller[] = ['admin', 'auditor'];
const providerPeople: Caller[] = [...platform, 'aHead', 'aApprover'];

interface Expected {
  readonly allowed: readonly Caller[];
  readonly body?: (c: Caller) => unknown;
  readonly headers?: (c: Caller) => Record<string, string>;
  readonly params?: Record<string, string>;
  /** changes that end callers' credentials or resources run after all others, in this order */
  readonly last?: number;
}

let t: TestApp;
const tokens = {} as Record<Caller, string | null>;
const actingFor = {} as Partial<Record<Caller, string>>;
let table: Record<string, Expected>;
let users: Record<string, { user: { username: string } }>;
const passwords: Record<string, string> = {};
const clock = new ManualClock(at('2026-11-23'));

before(async () => {
  t = await startTestApp({}, { clock });
  const a = await buildDepartment(t, { name: '甲局（提供方）' });
  const b = await buildDepartment(t, { name: '乙局（使用方）' });
  const aHead = await buildUser(t, [{ role: 'dept_admin', departmentId: a.id }]);
  const aApprover = await buildUser(t, [{ role: 'approver', departmentId: a.id }]);
  const bHead = await buildUser(t, [{ role: 'dept_admin', departmentId: b.id }]);
  const bApprover = await buildUser(t, [{ role: 'approver', departmentId: b.id }]);
  const auditor = await buildUser(t, [{ role: 'auditor' }]);
  const aNode = await buildNode(t, a.id);
  const bNode = await buildNode(t, b.id);
  const aSystem = await buildSystem(t, a.id);
  const bSystem = await buildSystem(t, b.id);
  users = { auditor, aHead, aApprover, bHead, bApprover };
  Object.assign(passwords, { auditor: auditor.password, aHead: aHead.password, aApprover: aApprover.password, bHead: bHead.password, bApprover: bApprover.password });
  Object.assign(tokens, {
    anonymous: null,
    admin: t.adminToken,
    auditor: auditor.token,
    aHead: aHead.token,
    aApprover: aApprover.token,
    aNode: aNode.apiKey,
    aSystem: aSystem.apiKey,
    bHead: bHead.token,
    bApprover: bApprover.token,
    bNode: bNode.apiKey,
    bSystem: bSystem.apiKey,
    bNodeForBSystem: bNode.apiKey,
    aNodeForBSystem: aNode.apiKey,
  });
  Object.assign(actingFor, { bNodeForBSystem: bSystem.system.id, aNodeForBSystem: bSystem.system.id });
  const contacts = { primary: aApprover.user.id };
  const modes = ['pull', 'subscribe', 'verify', 'file'];
  const dataset = await buildDataset(t, a.id, { contacts, exchangeModes: modes });
  const retiring = await buildDataset(t, a.id, { name: '待退役数据集', contacts });
  const versioned = await buildDataset(t, a.id, { name: '待改版数据集', contacts });
  const firm = licence();
  await sendBatch(t, aNode, dataset.code, { batchId: 'seed', records: [upsert(firm), { op: 'upsert', key: 'bad', data: { uscc: 'bad' }, sourceTime: clock.now().toISOString() }] });
  const quarantined = (await t.database.db.selectFrom('quarantine').select('id').executeTakeFirstOrThrow()).id;
  const held = await grant(t, bSystem.system.id, dataset.id, { fields: ['uscc', 'name', 'status'], modes: ['pull', 'subscribe', 'file'], purpose: '企业开办' });
  const revocable = await grant(t, bSystem.system.id, dataset.id, { fields: ['uscc'], modes: ['verify'], purpose: '核验' });
  const c = await fileRequest(t, bSystem.apiKey, { datasets: [{ code: dataset.code, fields: ['uscc', 'name', 'legalRepresentative'] }] });
  const sub = await t.call(bSystem.apiKey, { method: 'POST', url: '/v1/subscriptions', payload: { dataset: dataset.code, delivery: 'pull' } });
  assert.equal(sub.statusCode, 201, sub.body);
  const notification = await t.database.db.selectFrom('notifications').select('id').where('user_id', '=', aApprover.user.id).executeTakeFirstOrThrow();

  const publicKey = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const ownSystem = (who: Caller) => (who.startsWith('a') ? aSystem.system.id : bSystem.system.id);
  const batchBody = JSON.stringify({ batchId: 'route-table', records: [upsert(licence())] });
  const A = { id: a.id, code: dataset.code };
  table = {
    'POST /v1/auth/login': { allowed: ['anonymous', ...everyone, 'aNodeForBSystem', 'bNodeForBSystem'] /* public: the header is not looked at */, body: () => ({ username: aHead.user.username, password: aHead.password }) },
    // the keys of A's node and system were revoked by the rows run just before
    'POST /v1/auth/logout': { allowed: everyone.filter((c) => c !== 'aNode' && c !== 'aSystem'), last: 6 },
    'GET /v1/auth/me': { allowed: everyone },
    'GET /v1/departments': { allowed: everyone },
    'GET /v1/departments/:id': { allowed: everyone, params: A },
    'POST /v1/departments': { allowed: ['admin'], body: () => ({ code: composeUscc('1', '1', '360500', `0${Math.floor(Math.random() * 9e6) + 1e6}`), name: '新建部门', level: 'city' }) },
    'PATCH /v1/departments/:id': { allowed: ['admin'], params: A, body: () => ({ name: '甲局（提供方）' }) },
    'GET /v1/departments/:id/nodes': { allowed: [...platform, 'aHead'], params: A },
    'POST /v1/departments/:id/nodes': { allowed: ['admin', 'aHead'], params: A, body: (c) => ({ name: `node-by-${c}`, publicKey: publicKey() }) },
    'GET /v1/departments/:id/nodes/:machineId': { allowed: [...platform, 'aHead'], params: { ...A, machineId: aNode.node.id } },
    'PATCH /v1/departments/:id/nodes/:machineId': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aNode.node.id }, body: () => ({ description: '前置机' }) },
    'POST /v1/departments/:id/nodes/:machineId/keys': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aNode.node.id }, body: () => ({ graceSeconds: 86_400 }) },
    'DELETE /v1/departments/:id/nodes/:machineId/keys': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aNode.node.id }, last: 4 },
    'GET /v1/departments/:id/systems': { allowed: [...platform, 'aHead', 'aApprover'], params: A },
    'POST /v1/departments/:id/systems': { allowed: ['admin', 'aHead'], params: A, body: (c) => ({ name: `system-by-${c}` }) },
    'GET /v1/departments/:id/systems/:machineId': { allowed: [...platform, 'aHead', 'aApprover'], params: { ...A, machineId: aSystem.system.id } },
    'PATCH /v1/departments/:id/systems/:machineId': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aSystem.system.id }, body: () => ({ description: '业务系统' }) },
    'POST /v1/departments/:id/systems/:machineId/keys': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aSystem.system.id }, body: () => ({ graceSeconds: 86_400 }) },
    'DELETE /v1/departments/:id/systems/:machineId/keys': { allowed: ['admin', 'aHead'], params: { ...A, machineId: aSystem.system.id }, last: 5 },
    'POST /v1/nodes/self/keys': { allowed: ['aNode', 'bNode'], body: () => ({ graceSeconds: 86_400 }) },
    'POST /v1/nodes/self/heartbeat': { allowed: ['aNode', 'bNode'], body: () => ({ version: '0.1.0', startedAt: clock.now().toISOString(), jobs: [] }) },
    'GET /v1/nodes/:id/status': { allowed: ['admin', 'aHead'], params: { id: aNode.node.id } },
    'GET /v1/users': { allowed: ['admin', 'auditor', 'aHead', 'bHead'] },
    'POST /v1/users': { allowed: ['admin', 'aHead'], body: (c) => ({ username: `made-by-${c}`, displayName: '新人', roles: [{ role: 'approver', departmentId: a.id }] }) },
    'GET /v1/users/:id': { allowed: ['admin', 'aHead', 'aApprover'], params: { id: aApprover.user.id } },
    'PATCH /v1/users/:id': { allowed: ['admin', 'aHead'], params: { id: aApprover.user.id }, body: () => ({ displayName: '甲局审批人' }) },
    'POST /v1/users/:id/password': { allowed: ['admin', 'aHead', 'aApprover'], params: { id: aApprover.user.id }, body: (c) => (c === 'aApprover' ? { password: 'another-long-password', currentPassword: passwords.aApprover } : { password: 'another-long-password' }), last: 1 },
    'DELETE /v1/users/:id/sessions': { allowed: ['admin', 'aHead', 'aApprover'], params: { id: aApprover.user.id }, last: 2 },
    'GET /v1/audit/admin': { allowed: platform },
    'GET /v1/audit/access': { allowed: platform },
    'GET /v1/audit/verify': { allowed: platform },
    'POST /v1/audit/verify/jobs': { allowed: platform },
    'GET /v1/audit/verify/jobs/:id': { allowed: platform, params: { id: '00000000-0000-4000-8000-000000000000' } },
    'GET /v1/audit/checkpoints': { allowed: platform },
    'GET /v1/audit/public-key': { allowed: platform },
    'GET /v1/datasets': { allowed: everyone },
    'POST /v1/datasets': { allowed: ['admin', 'aHead'], body: () => ({ name: '新目录', summary: '草稿', providerDepartmentId: a.id, class: 'department', sharingType: 'conditional', sharingConditions: '审批', openType: 'closed', exchangeModes: ['pull'], updateCycle: 'daily', keyField: 'uscc', contract: licenceContract() }) },
    'GET /v1/datasets/:code': { allowed: everyone, params: A },
    'PATCH /v1/datasets/:code': { allowed: ['admin', 'aHead'], params: A, body: () => ({ summary: '市场主体登记的营业执照信息' }) },
    'POST /v1/datasets/:code/publish': { allowed: ['admin'], params: A },
    'POST /v1/datasets/:code/retire': { allowed: ['admin', 'aHead'], params: { code: retiring.code } },
    'GET /v1/datasets/:code/contracts': { allowed: everyone, params: A },
    'GET /v1/datasets/:code/contracts/:version': { allowed: everyone, params: { ...A, version: dataset.currentVersion! } },
    'POST /v1/datasets/:code/contracts': { allowed: ['admin', 'aHead'], params: { code: versioned.code }, body: () => licenceContract() },
    'POST /v1/datasets/:code/batches': {
      allowed: ['aNode'],
      params: A,
      body: () => batchBody,
      headers: (c) => ({ 'content-type': 'application/json', 'x-brx-signature': signBatch(c === 'bNode' ? bNode.privateKey : aNode.privateKey, dataset.code, batchBody) }),
    },
    'GET /v1/datasets/:code/batches': { allowed: [...providerPeople, 'aNode'], params: A },
    'GET /v1/datasets/:code/batches/:batchId': { allowed: [...providerPeople, 'aNode'], params: { ...A, batchId: 'seed' } },
    'POST /v1/datasets/:code/batches/:batchId/verify': { allowed: [...providerPeople, 'aNode'], params: { ...A, batchId: 'seed' } },
    'GET /v1/datasets/:code/quarantine': { allowed: [...providerPeople, 'aNode'], params: A },
    'POST /v1/datasets/:code/quarantine/:id/resubmit': { allowed: ['aHead'], params: { ...A, id: quarantined }, body: () => ({ record: upsert(licence()) }) },
    'POST /v1/datasets/:code/quarantine/:id/discard': { allowed: ['aHead'], params: { ...A, id: quarantined }, body: () => ({ reason: '重复数据' }) },
    'GET /v1/registries': { allowed: everyone },
    'POST /v1/registries': { allowed: ['admin'], body: () => ({ kind: 'population', providerDepartmentId: a.id, sharingType: 'conditional', contacts: { primary: aApprover.user.id } }) },
    'PUT /v1/registries/:kind/sources/:departmentId': { allowed: ['admin'], params: { kind: 'population', departmentId: a.id }, body: () => ({ fields: ['*'] }) },
    'PUT /v1/registries/:kind/authority': { allowed: ['admin'], params: { kind: 'population' }, body: () => ({ '*': [a.id] }) },
    'PUT /v1/departments/:id/issuer-key': { allowed: ['admin', 'aHead'], params: A, body: () => ({ publicKey: publicKey() }) },
    'GET /v1/quality/issues': { allowed: people },
    'GET /v1/datasets/:code/records/:key': { allowed: [...providerPeople, 'aNode', 'bSystem'], params: { ...A, key: firm.uscc } },
    'GET /v1/datasets/:code/records': { allowed: [...providerPeople, 'aNode', 'bSystem'], params: A, query: `?name=${encodeURIComponent(firm.name)}` } as Expected,
    'GET /v1/datasets/:code/export': { allowed: [...providerPeople, 'aNode', 'bSystem'], params: A },
    // nobody here holds a verify grant on a registry: every caller is refused (positive cases: registries.test.ts)
    'POST /v1/verify/person': { allowed: [], body: () => ({ idNumber: '11010519491231002X', name: '张三' }) },
    'POST /v1/verify/legal-person': { allowed: [], body: () => ({ uscc: firm.uscc, name: firm.name }) },
    'POST /v1/verify/certificate': { allowed: [], body: () => ({ certificateId: '1.2.156.3005.2.1.2.3.4.5' }) },
    'POST /v1/requests': {
      allowed: ['aHead', 'aApprover', 'aSystem', 'bHead', 'bApprover', 'bSystem'],
      body: (c) => ({ datasets: [{ code: dataset.code, fields: ['uscc', 'name'] }], purpose: '业务协同', modes: ['pull'], ...(c.endsWith('System') ? {} : { system: ownSystem(c) }) }),
    },
    'POST /v1/objections': {
      allowed: ['bHead', 'bApprover', 'bSystem'],
      body: (c) => ({ dataset: dataset.code, key: firm.uscc, field: 'name', claimedValue: '正确的名称', evidence: '营业执照', ...(c.endsWith('System') ? {} : { system: ownSystem(c) }) }),
    },
    'GET /v1/cases/:trackingNo': { allowed: [...people, 'bSystem'], params: { trackingNo: c.trackingNo } },
    'GET /v1/cases': { allowed: [...people, 'aSystem', 'bSystem'] },
    // the department that must act does; a platform admin oversees but does not decide for it
    'POST /v1/cases/:trackingNo/actions': { allowed: ['aHead', 'aApprover'], params: { trackingNo: c.trackingNo }, body: () => ({ action: 'accept' }) },
    'GET /v1/stats/cases': { allowed: people },
    'GET /v1/stats/exchange': { allowed: people },
    'GET /v1/calendar/:year': { allowed: everyone, params: { year: '2026' } },
    'PUT /v1/calendar/:year': { allowed: ['admin'], params: { year: '2031' }, body: () => ({ days: [{ day: '2031-01-01', kind: 'holiday', name: '元旦' }] }) },
    'POST /v1/users/:id/absences': { allowed: ['admin', 'aHead', 'aApprover'], params: { id: aApprover.user.id }, body: () => ({ from: '2026-12-01', until: '2026-12-02', reason: '出差' }) },
    'GET /v1/users/:id/absences': { allowed: [...providerPeople], params: { id: aApprover.user.id } },
    'GET /v1/grants': { allowed: [...people, 'aSystem', 'bSystem'] },
    'GET /v1/grants/:id': { allowed: [...providerPeople, 'bHead', 'bApprover', 'bSystem'], params: { id: held.id } },
    'POST /v1/grants/:id/revoke': { allowed: ['admin', 'aHead', 'aApprover'], params: { id: revocable.id }, body: () => ({ reason: '测试撤销' }) },
    'GET /v1/notifications': { allowed: [...people, 'aSystem', 'bSystem'] },
    'POST /v1/notifications/:id/read': { allowed: ['aApprover'], params: { id: String(notification.id) } },
    'POST /v1/subscriptions': { allowed: ['bSystem'], body: () => ({ dataset: dataset.code, delivery: 'pull' }) },
    'GET /v1/subscriptions': { allowed: ['aSystem', 'bSystem'] },
    'GET /v1/subscriptions/:id': { allowed: [...platform, 'bSystem'], params: { id: sub.json().id } },
    'GET /v1/subscriptions/:id/events': { allowed: ['bSystem'], params: { id: sub.json().id } },
    'POST /v1/subscriptions/:id/ack': { allowed: ['bSystem'], params: { id: sub.json().id }, body: () => ({ offset: 0 }) },
    'POST /v1/subscriptions/:id/replay': { allowed: ['bSystem'], params: { id: sub.json().id }, body: () => ({ offset: 0 }) },
    'DELETE /v1/subscriptions/:id': { allowed: ['bSystem'], params: { id: sub.json().id }, last: 3 },
    'POST /v1/subjects/:id/tokens': { allowed: ['admin'], params: { id: firm.uscc }, body: () => ({ validDays: 1 }) },
    'GET /v1/subjects/:id/access-report': { allowed: platform, params: { id: firm.uscc } },
  };
});

describe('every route as every caller', () => {
  it('follows the policy table: allowed callers pass, everyone else gets 401, 403 or 404 and never a 2xx', async () => {
    const doc = (await t.call(null, { method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'head').map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    assert.deepEqual(routes.filter((r) => !table[r]), [], 'every route of the OpenAPI document has a row in the table');
    assert.deepEqual(Object.keys(table).filter((r) => !routes.includes(r)), [], 'and the table names no route that does not exist');

    const ordered = [...routes.filter((r) => !table[r]!.last), ...routes.filter((r) => table[r]!.last).sort((x, y) => table[x]!.last! - table[y]!.last!)];
    const wrong: string[] = [];
    for (const route of ordered) {
      const expected = table[route]!;
      // a destructive row may have ended people's sessions: each starts with fresh ones
      if (expected.last) for (const [who, u] of Object.entries(users)) tokens[who as Caller] = await t.login(u.user.username, passwords[who]!);
      const [method, pattern] = route.split(' ') as [string, string];
      const url = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(expected.params?.[name] ?? `missing-${name}`)) + ((expected as { query?: string }).query ?? '');
      // callers that must be refused go first, as an allowed call may change what the others see;
      // in a destructive row the person it concerns acts before those who act on them
      const allows = (c: Caller) => expected.allowed.includes(c) || (c === 'bNodeForBSystem' && expected.allowed.includes('bSystem') && receivingRoutes.has(route));
      const refused = callers.filter((c) => !allows(c));
      const allowed = callers.filter((c) => allows(c));
      for (const caller of [...refused, ...(expected.last ? allowed.reverse() : allowed)]) {
        const body = expected.body?.(caller);
        const res = await t.call(tokens[caller], {
          method: method as 'GET',
          url,
          headers: { ...(expected.headers?.(caller) ?? {}), ...(actingFor[caller] ? { [onBehalfOfHeader]: actingFor[caller] } : {}) },
          ...(body === undefined ? {} : { payload: body as string }),
        });
        const s = res.statusCode;
        const allowed = allows(caller);
        const ok = caller === 'anonymous' && !allowed ? s === 401 : allowed ? s !== 401 && s !== 403 && s < 500 : [401, 403, 404].includes(s);
        if (!ok) wrong.push(`${route} as ${caller}: ${s} ${res.body.slice(0, 160)}`);
        if (route === 'POST /v1/users/:id/password' && s === 200) passwords.aApprover = 'another-long-password';
      }
    }
    assert.deepEqual(wrong, []);
  });
});
