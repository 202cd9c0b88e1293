import type { RegistryContract } from '../contract.ts';

/**
 * Population registry (人口库), keyed by ID number. Codes: gender GB/T 2261.1 (1 male, 2 female,
 * 9 unstated), ethnicity GB/T 3304 (01 汉族 …), marital status GB/T 2261.2 (10 未婚, 20 已婚,
 * 21 初婚, 22 再婚, 23 复婚, 30 丧偶, 40 离婚, 90 未说明), education GB/T 4658.
 * Typical sources: 公安 (identity, household registration), 民政 (marriage, death), 卫健 (birth,
 * death), 教育 (education), 人社.
 */
export const populationContract: RegistryContract = {
  keyField: 'idNumber',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['idNumber', 'name'],
    properties: {
      idNumber: { type: 'string', format: 'cn-id-number' },
      name: { type: 'string', minLength: 1, maxLength: 50 },
      formerNames: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 50 }, maxItems: 20 },
      gender: { type: 'string', enum: ['1', '2', '9'] },
      birthDate: { type: 'string', format: 'date' },
      ethnicity: { type: 'string', pattern: '^[0-9]{2}$' },
      nativePlace: { type: 'string', maxLength: 100 },
      householdRegion: { type: 'string', format: 'cn-region-code' },
      householdAddress: { type: 'string', maxLength: 200 },
      residenceAddress: { type: 'string', maxLength: 200 },
      maritalStatus: { type: 'string', enum: ['10', '20', '21', '22', '23', '30', '40', '90'] },
      education: { type: 'string', pattern: '^[0-9]{2}$' },
      status: { type: 'string', enum: ['living', 'deceased', 'emigrated', 'cancelled'] },
      statusDate: { type: 'string', format: 'date' },
    },
  },
  fields: {
    idNumber: { title: '公民身份号码', dataElement: 'DE00001', sensitivity: 'sensitive-personal', masking: 'id-number', searchable: true },
    name: { title: '姓名', dataElement: 'DE00002', sensitivity: 'personal', masking: 'name', searchable: true },
    formerNames: { title: '曾用名', sensitivity: 'personal', masking: 'redact', sharingType: 'conditional' },
    gender: { title: '性别', sensitivity: 'personal' },
    birthDate: { title: '出生日期', sensitivity: 'personal' },
    ethnicity: { title: '民族', sensitivity: 'sensitive-personal', sharingType: 'conditional' },
    nativePlace: { title: '籍贯', sensitivity: 'personal', sharingType: 'conditional' },
    householdRegion: { title: '户籍地行政区划', sensitivity: 'personal' },
    householdAddress: { title: '户籍地址', sensitivity: 'personal', masking: 'address', sharingType: 'conditional' },
    residenceAddress: { title: '居住地址', sensitivity: 'personal', masking: 'address', sharingType: 'conditional' },
    maritalStatus: { title: '婚姻状况', sensitivity: 'sensitive-personal', sharingType: 'conditional' },
    education: { title: '学历', sensitivity: 'personal', sharingType: 'conditional' },
    status: { title: '人员状态', sensitivity: 'personal' },
    statusDate: { title: '状态变更日期', sensitivity: 'personal' },
  },
};
