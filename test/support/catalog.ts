import { type KeyObject, sign } from 'node:crypto';
import { batchSigningMessage } from '../../contracts/batch-signature.ts';
import type { ContractCreate, Dataset } from '../../contracts/generated/api.ts';
import { composeUscc } from '../../registries/identifiers/uscc.ts';
import { type TestApp, testClock } from './app.ts';
import { eventually } from './database.ts';

/** A licence-register contract keyed by unified social credit code (with its check characters). */
export function licenceContract(): ContractCreate {
  return {
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['uscc', 'name', 'status'],
      properties: {
        uscc: { type: 'string', format: 'cn-uscc' },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        legalRepresentative: { type: 'string', maxLength: 50 },
        registeredCapital: { type: 'number', minimum: 0 },
        establishedOn: { type: 'string', format: 'date' },
        status: { type: 'string', enum: ['active', 'revoked', 'cancelled'] },
      },
    },
    fields: {
      uscc: { title: '统一社会信用代码', dataElement: 'DE00011', sensitivity: 'public', searchable: true },
      name: { title: '企业名称', sensitivity: 'public', searchable: true },
      legalRepresentative: { title: '法定代表人', sensitivity: 'personal', masking: 'name', sharingType: 'conditional' },
      registeredCapital: { title: '注册资本（万元）', sensitivity: 'public' },
      establishedOn: { title: '成立日期', sensitivity: 'public' },
      status: { title: '登记状态', sensitivity: 'public' },
    },
  };
}

let serial = 0;
/** A valid enterprise code (authority 9, type 1) unique in this process. */
export function enterpriseUscc(): string {
  serial += 1;
  return composeUscc('9', '1', '360502', `MA${String(100000 + serial).slice(-6)}`);
}

export function licence(uscc = enterpriseUscc(), overrides: Record<string, unknown> = {}) {
  return { uscc, name: `新余市测试企业${uscc.slice(-6)}有限公司`, legalRepresentative: '张三', registeredCapital: 100, establishedOn: '2020-05-01', status: 'active', ...overrides };
}

export async function buildDataset(
  t: TestApp,
  providerDepartmentId: string,
  overrides: Record<string, unknown> = {},
  options: { publish?: boolean } = {},
): Promise<Dataset> {
  const res = await t.call(t.adminToken, {
    method: 'POST',
    url: '/v1/datasets',
    payload: {
      name: '营业执照登记信息',
      summary: '市场主体登记的营业执照信息',
      providerDepartmentId,
      class: 'department',
      sharingType: 'conditional',
      sharingConditions: '用于行政审批和监管',
      openType: 'closed',
      exchangeModes: ['pull', 'subscribe', 'verify'],
      updateCycle: 'realtime',
      keyField: 'uscc',
      tags: ['市场监管', '营业执照'],
      contract: licenceContract(),
      ...overrides,
    },
  });
  if (res.statusCode !== 201) throw new Error(`buildDataset: ${res.statusCode} ${res.body}`);
  if (options.publish === false) return res.json();
  const published = await t.call(t.adminToken, { method: 'POST', url: `/v1/datasets/${res.json().code}/publish` });
  if (published.statusCode !== 200) throw new Error(`publish: ${published.statusCode} ${published.body}`);
  return published.json();
}

export function signBatch(privateKey: KeyObject, datasetCode: string, body: string): string {
  return sign(null, batchSigningMessage(datasetCode, Buffer.from(body)), privateKey).toString('base64');
}

/** POSTs a batch as a node would: JSON body, signed. */
export async function sendBatch(
  t: TestApp,
  node: { apiKey: string; privateKey: KeyObject },
  datasetCode: string,
  batch: { batchId: string; records: unknown[] },
  options: { signFor?: string; signature?: string | null; untilReadable?: boolean } = {},
) {
  const body = JSON.stringify(batch);
  const signature = options.signature === undefined ? signBatch(node.privateKey, options.signFor ?? datasetCode, body) : options.signature;
  const res = await t.call(node.apiKey, {
    method: 'POST',
    url: `/v1/datasets/${datasetCode}/batches`,
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-brx-signature': signature } : {}) },
    payload: body,
  });
  if (options.untilReadable !== false) await untilReadable(t, datasetCode, res.statusCode === 200 ? (res.json() as { lastOffset: number | null }).lastOffset : null);
  return res;
}

/**
 * On the Kafka backbone, readers see a batch once the relay has published it, and webhooks go
 * out once the delivery group has assigned the dataset's topic: a test that reads or delivers
 * right after publishing waits for both (on PostgreSQL all is there at commit).
 */
async function untilReadable(t: TestApp, datasetCode: string, lastOffset: number | null): Promise<void> {
  if (t.app.events.backbone !== 'kafka' || lastOffset === null) return;
  const { id } = await t.database.db.selectFrom('datasets').select('id').where('code', '=', datasetCode).executeTakeFirstOrThrow();
  await eventually(`offset ${lastOffset} of ${datasetCode} relayed`, async () => (await t.app.events.head(id)) >= lastOffset);
  await eventually(`${datasetCode} assigned to the delivery group`, async () => t.app.events.deliveryShare()?.has(id) ?? true);
}

export const upsert = (data: { uscc: string } & Record<string, unknown>, sourceTime = testClock().now().toISOString()) => ({
  op: 'upsert',
  key: data.uscc,
  data,
  sourceTime,
});
