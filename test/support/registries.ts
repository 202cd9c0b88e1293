import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Department } from '../../contracts/generated/api.ts';
import { signCertificate } from '../../registries/certificate/signature.ts';
import { composeCertificateId } from '../../registries/identifiers/certificate-id.ts';
import { type TestApp, buildDepartment, buildNode, buildSystem, buildUser } from './app.ts';
import { sendBatch } from './catalog.ts';

type Node = Awaited<ReturnType<typeof buildNode>>;

export interface RegistryWorld {
  readonly bureau: Department;
  readonly police: Department;
  readonly civil: Department;
  readonly health: Department;
  readonly education: Department;
  readonly market: Department;
  readonly nodes: Record<'police' | 'civil' | 'health' | 'education' | 'market', Node>;
  readonly codes: Record<'population' | 'legal-person' | 'certificate', string>;
  readonly ids: Record<'population' | 'legal-person' | 'certificate', string>;
  readonly marketIssuerKey: KeyObject;
}

/**
 * A data-administration bureau running the three registries; 公安, 民政, 卫健 and 教育 contribute
 * to the population registry, 市场监管 to the legal-person registry and issues certificates.
 * 民政 is the authority on marital status and (with 卫健) on death; 公安 on everything else.
 */
export async function buildRegistryWorld(t: TestApp): Promise<RegistryWorld> {
  const bureau = await buildDepartment(t, { name: '新余市大数据中心' });
  const police = await buildDepartment(t, { name: '新余市公安局' });
  const civil = await buildDepartment(t, { name: '新余市民政局' });
  const health = await buildDepartment(t, { name: '新余市卫生健康委员会' });
  const education = await buildDepartment(t, { name: '新余市教育局' });
  const market = await buildDepartment(t, { name: '新余市市场监督管理局' });
  const admin = (method: 'POST' | 'PUT', url: string, payload: object) => t.call(t.adminToken, { method, url, payload });
  const codes = {} as RegistryWorld['codes'];
  const ids = {} as RegistryWorld['ids'];
  const officer = await buildUser(t, [{ role: 'approver', departmentId: bureau.id }]);
  for (const kind of ['population', 'legal-person', 'certificate'] as const) {
    const res = await admin('POST', '/v1/registries', { kind, providerDepartmentId: bureau.id, sharingType: 'unconditional', contacts: { primary: officer.user.id } });
    if (res.statusCode !== 201) throw new Error(`registry ${kind}: ${res.statusCode} ${res.body}`);
    codes[kind] = res.json().code;
    ids[kind] = (await t.database.db.selectFrom('datasets').select('id').where('code', '=', codes[kind]).executeTakeFirstOrThrow()).id;
  }
  await admin('PUT', `/v1/registries/population/sources/${police.id}`, { fields: ['*'] });
  await admin('PUT', `/v1/registries/population/sources/${civil.id}`, { fields: ['idNumber', 'maritalStatus', 'status', 'statusDate'] });
  await admin('PUT', `/v1/registries/population/sources/${health.id}`, { fields: ['idNumber', 'status', 'statusDate', 'residenceAddress'] });
  await admin('PUT', `/v1/registries/population/sources/${education.id}`, { fields: ['idNumber', 'education', 'residenceAddress'] });
  await admin('PUT', '/v1/registries/population/authority', {
    maritalStatus: [civil.id, police.id],
    status: [civil.id, health.id, police.id],
    statusDate: [civil.id, health.id, police.id],
    residenceAddress: [],
    '*': [police.id],
  });
  await admin('PUT', `/v1/registries/legal-person/sources/${market.id}`, { fields: ['*'] });
  await admin('PUT', `/v1/registries/certificate/sources/${market.id}`, { fields: ['*'] });
  const issuer = generateKeyPairSync('ed25519');
  await admin('PUT', `/v1/departments/${market.id}/issuer-key`, { publicKey: issuer.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
  const nodes = {
    police: await buildNode(t, police.id),
    civil: await buildNode(t, civil.id),
    health: await buildNode(t, health.id),
    education: await buildNode(t, education.id),
    market: await buildNode(t, market.id),
  };
  return { bureau, police, civil, health, education, market, nodes, codes, ids, marketIssuerKey: issuer.privateKey };
}

let batch = 0;
export async function contribute(t: TestApp, node: Node, code: string, records: { key: string; data: Record<string, unknown> | null; at: string }[]) {
  batch += 1;
  const res = await sendBatch(t, node, code, {
    batchId: `c-${batch}`,
    records: records.map((r) => (r.data ? { op: 'upsert', key: r.key, data: r.data, sourceTime: r.at } : { op: 'delete', key: r.key, sourceTime: r.at })),
  });
  if (res.statusCode !== 200) throw new Error(`contribute: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A certificate issued and signed by the market bureau. */
export function certificate(w: RegistryWorld, overrides: Record<string, unknown> = {}, serial = String(Date.now() % 1e9)): Record<string, unknown> {
  const base: Record<string, unknown> = {
    certificateId: composeCertificateId('YYZZ', w.market.code, serial),
    typeCode: 'YYZZ',
    typeName: '营业执照',
    number: `GS${serial}`,
    holder: { type: 'organisation', id: '91350100M000100Y43', name: '新余市示例科技有限公司' },
    issuerUscc: w.market.code,
    issueDate: '2025-06-01',
    validFrom: '2025-06-01',
    validTo: '2045-05-31',
    status: 'valid',
    content: { name: '新余市示例科技有限公司', legalRepresentative: '张三', registeredCapital: 100 },
    ...overrides,
  };
  return { ...base, signature: signCertificate(base, w.marketIssuerKey) };
}

export async function grant(t: TestApp, systemId: string, datasetId: string, g: Partial<Record<string, unknown>> = {}) {
  return t.database.db
    .insertInto('grants')
    // valid from the app's own clock: a test's clock may stand on any date
    .values({ system_id: systemId, dataset_id: datasetId, fields: ['idNumber', 'name'], modes: ['verify'], purpose: '政务服务身份核验', valid_from: t.clock.now(), ...g } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
}

export { buildSystem };
