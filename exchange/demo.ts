import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composeUscc } from '../registries/identifiers/uscc.ts';
import type { Db } from './db/database.ts';
import type { DatasetCreate } from '../contracts/generated/api.ts';
import { draftDataset, publishDataset } from './catalog/datasets.ts';
import type { Tx } from './db/database.ts';
import { createDepartment } from './identity/departments.ts';
import { createRegistry, setAuthority, setIssuerKey, setSource } from './registries/setup.ts';
import { createNode, createSystem } from './identity/machines.ts';
import { createUser } from './identity/users.ts';

const actor = { actor: { kind: 'platform', name: 'demo' } } as const;

/** Government organs: registration authority 1 (机构编制), type 1 (机关), in 新余市 (360500). */
const organ = (region: string, body: string) => composeUscc('1', '1', region, body);

export const demoDepartments = {
  province: { code: organ('360000', '01420001'), name: '江西省人民政府', level: 'province', regionCode: '360000' },
  city: { code: organ('360500', '01428301'), name: '新余市人民政府', level: 'city', regionCode: '360500' },
  bureaus: [
    { key: 'police', code: organ('360500', '01428302'), name: '新余市公安局' },
    { key: 'market', code: organ('360500', '01428303'), name: '新余市市场监督管理局' },
    { key: 'civil', code: organ('360500', '01428304'), name: '新余市民政局' },
    { key: 'hrss', code: organ('360500', '01428305'), name: '新余市人力资源和社会保障局' },
    { key: 'health', code: organ('360500', '01428306'), name: '新余市卫生健康委员会' },
    { key: 'education', code: organ('360500', '01428307'), name: '新余市教育局' },
    { key: 'data', code: organ('360500', '01428308'), name: '新余市数据局' },
  ],
} as const;

/** A published dataset of the public-security bureau, for trying the publish API with the demo node. */
export const householdDataset: Omit<DatasetCreate, 'providerDepartmentId'> = {
  name: '户籍人口基本信息',
  summary: '公安户籍登记的人口基本信息（演示数据集）',
  class: 'department',
  sharingType: 'conditional',
  sharingConditions: '用于政务服务事项办理中的身份核验与材料免提交',
  legalBasis: '《中华人民共和国户口登记条例》',
  openType: 'closed',
  exchangeModes: ['pull', 'subscribe', 'verify', 'file'],
  updateCycle: 'realtime',
  keyField: 'idNumber',
  tags: ['人口', '户籍'],
  contract: {
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['idNumber', 'name', 'gender', 'birthDate'],
      properties: {
        idNumber: { type: 'string', format: 'cn-id-number' },
        name: { type: 'string', minLength: 1, maxLength: 50 },
        gender: { type: 'string', enum: ['1', '2', '9'] },
        birthDate: { type: 'string', format: 'date' },
        householdRegion: { type: 'string', pattern: '^[0-9]{6}$' },
        address: { type: 'string', maxLength: 200 },
      },
    },
    fields: {
      idNumber: { title: '公民身份号码', dataElement: 'DE00001', sensitivity: 'sensitive-personal', searchable: true, masking: 'id-number' },
      name: { title: '姓名', dataElement: 'DE00002', sensitivity: 'personal', searchable: true, masking: 'name' },
      gender: { title: '性别', sensitivity: 'personal' },
      birthDate: { title: '出生日期', sensitivity: 'personal' },
      householdRegion: { title: '户籍地行政区划', sensitivity: 'personal' },
      address: { title: '户籍地址', sensitivity: 'personal', masking: 'address' },
    },
  },
};

/**
 * The three base registries, run by 市数据局: 公安 contributes all population fields, 民政 marriage
 * and status, 卫健 status and residence; 民政 is the authority on marriage and (before 卫健) on
 * status. 市场监管 contributes legal persons and issues certificates with its signing key. The
 * human-resources system may verify people (a grant such as a sharing request would produce).
 */
async function seedRegistries(trx: Tx, ids: Record<string, string>, owner: string, systemId: string) {
  const codes: Record<string, string> = {};
  // base items unconditional as the law says; the data bureau's officer decides the rest
  const terms = { sharingType: 'unconditional', contacts: { primary: owner } } as const;
  for (const kind of ['population', 'legal-person', 'certificate'] as const) codes[kind] = await createRegistry(trx, kind, ids.data!, terms, actor);
  await setSource(trx, 'population', ids.police!, ['*'], actor);
  await setSource(trx, 'population', ids.civil!, ['idNumber', 'maritalStatus', 'status', 'statusDate'], actor);
  await setSource(trx, 'population', ids.health!, ['idNumber', 'status', 'statusDate', 'residenceAddress'], actor);
  await setAuthority(
    trx,
    'population',
    { maritalStatus: [ids.civil!, ids.police!], status: [ids.civil!, ids.health!, ids.police!], statusDate: [ids.civil!, ids.health!, ids.police!], '*': [ids.police!] },
    actor,
  );
  await setSource(trx, 'legal-person', ids.market!, ['*'], actor);
  await setSource(trx, 'certificate', ids.market!, ['*'], actor);
  const issuer = generateKeyPairSync('ed25519');
  await setIssuerKey(trx, ids.market!, issuer.publicKey.export({ format: 'pem', type: 'spki' }).toString(), actor);
  const population = await trx.selectFrom('datasets').select('id').where('code', '=', codes.population!).executeTakeFirstOrThrow();
  await trx
    .insertInto('grants')
    .values({ system_id: systemId, dataset_id: population.id, fields: ['idNumber', 'name', 'status'], modes: ['verify'], purpose: '社会保险待遇资格认证', valid_from: new Date() })
    .execute();
  return { codes, issuerPrivateKey: issuer.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

export interface DemoSeed {
  readonly created: boolean;
  readonly credentialsFile: string;
}

/**
 * Demo departments under a city government, a node and a published dataset for the
 * public-security bureau, a consuming system for the human-resources bureau, and a dept_admin
 * for each bureau. Their
 * secrets go to <home>/demo-credentials.json (mode 0600) for trying brx out; run once, on an
 * empty catalog of departments.
 */
export async function seedDemo(db: Db, home: string): Promise<DemoSeed> {
  const credentialsFile = path.join(home, 'demo-credentials.json');
  const exists = await db
    .selectFrom('departments')
    .select('id')
    .where('code', '=', demoDepartments.city.code)
    .executeTakeFirst();
  if (exists) return { created: false, credentialsFile };
  const secrets = await db.transaction().execute(async (trx) => {
    const { province, city, bureaus } = demoDepartments;
    const p = await createDepartment(trx, { ...province }, actor);
    const c = await createDepartment(trx, { ...city, parentId: p.id }, actor);
    const ids: Record<string, string> = {};
    const people: Record<string, { username: string; password: string; department: string }> = {};
    const userIds: Record<string, string> = {};
    for (const b of bureaus) {
      const d = await createDepartment(trx, { code: b.code, name: b.name, level: 'city', parentId: c.id, regionCode: '360500' }, actor);
      ids[b.key] = d.id;
      const { user, generatedPassword } = await createUser(
        trx,
        { username: `${b.key}-admin`, displayName: `${b.name}数据管理员`, roles: [{ role: 'dept_admin', departmentId: d.id }, { role: 'approver', departmentId: d.id }] },
        actor,
      );
      people[b.key] = { username: user.username, password: generatedPassword!, department: b.name };
      userIds[b.key] = user.id;
    }
    // an auditor of the platform, to try the console's audit pages
    const auditor = await createUser(trx, { username: 'auditor', displayName: '平台审计员', roles: [{ role: 'auditor', departmentId: null }] }, actor);
    people.auditor = { username: auditor.user.username, password: auditor.generatedPassword!, department: '平台' };
    const keys = generateKeyPairSync('ed25519');
    const node = await createNode(
      trx,
      ids.police!,
      { name: 'police-node-1', publicKey: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() },
      actor,
    );
    const system = await createSystem(trx, ids.hrss!, { name: 'social-insurance', description: '社会保险业务系统' }, actor);
    // the police data officer is the A post for sharing requests on the household dataset
    const dataset = await draftDataset(trx, { ...householdDataset, providerDepartmentId: ids.police!, contacts: { primary: userIds.police! } }, actor);
    await publishDataset(trx, dataset, actor);
    const registries = await seedRegistries(trx, ids, userIds.data!, system.row.id);
    return {
      note: 'Demo secrets for trying brx out on this machine. Never use them in production.',
      departments: ids,
      people,
      node: {
        id: node.row.id,
        departmentId: ids.police,
        apiKey: node.apiKey,
        privateKey: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      },
      system: { id: system.row.id, departmentId: ids.hrss, apiKey: system.apiKey },
      dataset,
      registries: registries.codes,
      certificateIssuerPrivateKey: registries.issuerPrivateKey,
    };
  });
  await writeFile(credentialsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { created: true, credentialsFile };
}
