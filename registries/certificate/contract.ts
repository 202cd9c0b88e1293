import type { RegistryContract } from '../contract.ts';
import { certificateTypes } from './types.ts';

/**
 * Electronic certificate registry (电子证照库), keyed by certificate identifier. One source per
 * certificate: its issuer, which signs it. `status` is what the issuer recorded (valid, suspended,
 * revoked); `expired` is never stored — it follows from `validTo`.
 */
export const certificateContract: RegistryContract = {
  keyField: 'certificateId',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['certificateId', 'typeCode', 'number', 'holder', 'issuerUscc', 'issueDate', 'validFrom', 'status', 'content', 'signature'],
    properties: {
      certificateId: { type: 'string', format: 'cn-certificate-id' },
      typeCode: { type: 'string', enum: certificateTypes.map((t) => t.code) },
      typeName: { type: 'string', maxLength: 50 },
      number: { type: 'string', minLength: 1, maxLength: 64 },
      holder: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'id', 'name'],
        properties: {
          type: { type: 'string', enum: ['person', 'organisation'] },
          id: { type: 'string', minLength: 15, maxLength: 18 },
          name: { type: 'string', minLength: 1, maxLength: 200 },
        },
      },
      issuerUscc: { type: 'string', format: 'cn-uscc' },
      issueDate: { type: 'string', format: 'date' },
      validFrom: { type: 'string', format: 'date' },
      validTo: { type: ['string', 'null'], format: 'date' },
      status: { type: 'string', enum: ['valid', 'suspended', 'revoked'] },
      statusReason: { type: 'string', maxLength: 500 },
      statusAt: { type: 'string', format: 'date-time' },
      content: { type: 'object' },
      fileDigest: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      signature: { type: 'string', pattern: '^[A-Za-z0-9+/]{86}==$' },
    },
  },
  fields: {
    certificateId: { title: '证照标识', sensitivity: 'public', searchable: true },
    typeCode: { title: '证照类型代码', sensitivity: 'public' },
    typeName: { title: '证照类型名称', sensitivity: 'public' },
    number: { title: '证照编号', sensitivity: 'internal', searchable: true },
    holder: { title: '持证主体', sensitivity: 'personal', masking: 'redact' },
    issuerUscc: { title: '颁发机构代码', sensitivity: 'public' },
    issueDate: { title: '颁证日期', sensitivity: 'public' },
    validFrom: { title: '有效期起', sensitivity: 'public' },
    validTo: { title: '有效期止', sensitivity: 'public' },
    status: { title: '证照状态', sensitivity: 'public' },
    statusReason: { title: '状态变更原因', sensitivity: 'internal' },
    statusAt: { title: '状态变更时间', sensitivity: 'internal' },
    content: { title: '照面信息', sensitivity: 'personal', masking: 'redact', sharingType: 'conditional' },
    fileDigest: { title: '证照文件摘要', sensitivity: 'internal' },
    signature: { title: '颁证机构签名', sensitivity: 'internal' },
  },
};
