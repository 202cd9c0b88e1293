import type { RegistryContract } from '../contract.ts';

/**
 * Legal-person registry (法人库), keyed by unified social credit code. Typical sources: 市场监管
 * (enterprises), 编办 (public institutions, government organs), 民政 (social organisations).
 * Registered capital is in 万元 of `currency` (ISO 4217).
 */
export const legalPersonContract: RegistryContract = {
  keyField: 'uscc',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['uscc', 'name'],
    properties: {
      uscc: { type: 'string', format: 'cn-uscc' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      formerNames: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 20 },
      type: { type: 'string', enum: ['enterprise', 'public-institution', 'social-organisation', 'government-organ', 'individual-business', 'cooperative', 'other'] },
      legalRepresentative: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 50 },
          idNumber: { type: 'string', format: 'cn-id-number' },
        },
      },
      registeredCapital: { type: 'number', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      establishedOn: { type: 'string', format: 'date' },
      address: { type: 'string', maxLength: 200 },
      businessScope: { type: 'string', maxLength: 4000 },
      registrationAuthority: { type: 'string', maxLength: 100 },
      status: { type: 'string', enum: ['active', 'revoked', 'cancelled', 'moved-out'] },
      statusDate: { type: 'string', format: 'date' },
    },
  },
  fields: {
    uscc: { title: '统一社会信用代码', dataElement: 'DE00011', sensitivity: 'public', searchable: true },
    name: { title: '名称', sensitivity: 'public', searchable: true },
    formerNames: { title: '曾用名称', sensitivity: 'public' },
    type: { title: '主体类型', sensitivity: 'public' },
    legalRepresentative: { title: '法定代表人', sensitivity: 'personal', masking: 'redact', sharingType: 'conditional' },
    registeredCapital: { title: '注册资本（万元）', sensitivity: 'public' },
    currency: { title: '币种', sensitivity: 'public' },
    establishedOn: { title: '成立日期', sensitivity: 'public' },
    address: { title: '住所', sensitivity: 'public' },
    businessScope: { title: '经营范围', sensitivity: 'public' },
    registrationAuthority: { title: '登记机关', sensitivity: 'public' },
    status: { title: '登记状态', sensitivity: 'public' },
    statusDate: { title: '状态变更日期', sensitivity: 'public' },
  },
};
