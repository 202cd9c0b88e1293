/**
 * The catalog of certificate types (证照目录): each type has a code, a name, the kind of holder
 * and its own content contract (the type-specific fields of the certificate).
 */
export interface CertificateType {
  readonly code: string;
  readonly name: string;
  readonly holder: 'person' | 'organisation';
  readonly content: Record<string, unknown>;
}

const text = (max = 200) => ({ type: 'string', minLength: 1, maxLength: max });

export const certificateTypes: readonly CertificateType[] = [
  {
    code: 'JMHKB',
    name: '居民户口簿',
    holder: 'person',
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['householdNumber', 'householdAddress'],
      properties: { householdNumber: text(30), householdAddress: text(), householdType: { enum: ['family', 'collective'] } },
    },
  },
  {
    code: 'JHZ',
    name: '结婚证',
    holder: 'person',
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['spouseName', 'spouseIdNumber', 'registeredOn'],
      properties: { spouseName: text(50), spouseIdNumber: { type: 'string', format: 'cn-id-number' }, registeredOn: { type: 'string', format: 'date' } },
    },
  },
  {
    code: 'YYZZ',
    name: '营业执照',
    holder: 'organisation',
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'legalRepresentative'],
      properties: { name: text(), legalRepresentative: text(50), registeredCapital: { type: 'number', minimum: 0 }, businessScope: text(4000) },
    },
  },
  {
    code: 'SPJYXKZ',
    name: '食品经营许可证',
    holder: 'organisation',
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['operator', 'premises', 'categories'],
      properties: { operator: text(), premises: text(), categories: { type: 'array', minItems: 1, items: text(50) } },
    },
  },
  {
    code: 'JDCJSZ',
    name: '机动车驾驶证',
    holder: 'person',
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['vehicleClass', 'firstIssuedOn'],
      properties: { vehicleClass: { type: 'string', pattern: '^[A-D][1-3]?(,[A-D][1-3]?)*$|^[EFMNP]$' }, firstIssuedOn: { type: 'string', format: 'date' } },
    },
  },
];

export function certificateType(code: string): CertificateType | undefined {
  return certificateTypes.find((t) => t.code === code);
}
