import type { DatasetCreate } from '../../contracts/generated/api.ts';
import { certificateContract } from '../../registries/certificate/contract.ts';
import type { RegistryContract, RegistryKind } from '../../registries/contract.ts';
import { legalPersonContract } from '../../registries/legal-person/contract.ts';
import { populationContract } from '../../registries/population/contract.ts';

export const registryKinds: readonly RegistryKind[] = ['population', 'legal-person', 'certificate'];

interface RegistryDefinition {
  readonly contract: RegistryContract;
  readonly catalog: Omit<DatasetCreate, 'providerDepartmentId' | 'contract' | 'keyField'>;
  /** fields that point at another registry's records: a missing target is a data-quality issue */
  readonly links: readonly { field: string; path: (data: Record<string, unknown>) => string | undefined; target: (data: Record<string, unknown>) => RegistryKind }[];
}

export const registryDefinitions: Record<RegistryKind, RegistryDefinition> = {
  population: {
    contract: populationContract,
    catalog: {
      name: '人口基础信息库',
      summary: '汇聚公安、民政、卫健、教育、人社等部门的人口信息，形成以公民身份号码为标识的人口基础信息',
      class: 'base',
      sharingType: 'unconditional',
      sharingConditions: '基础信息项无条件共享；婚姻、民族、地址等敏感信息项有条件共享',
      legalBasis: '《政务信息资源共享管理暂行办法》',
      openType: 'closed',
      exchangeModes: ['pull', 'subscribe', 'verify'],
      updateCycle: 'realtime',
      tags: ['基础库', '人口'],
    },
    links: [],
  },
  'legal-person': {
    contract: legalPersonContract,
    catalog: {
      name: '法人单位基础信息库',
      summary: '汇聚市场监管、编办、民政等部门的法人登记信息，形成以统一社会信用代码为标识的法人基础信息',
      class: 'base',
      sharingType: 'unconditional',
      sharingConditions: '法定代表人信息有条件共享',
      legalBasis: '《政务信息资源共享管理暂行办法》',
      openType: 'conditional',
      exchangeModes: ['pull', 'subscribe', 'verify'],
      updateCycle: 'realtime',
      tags: ['基础库', '法人'],
    },
    links: [
      {
        field: 'legalRepresentative.idNumber',
        path: (d) => (d.legalRepresentative as { idNumber?: string } | undefined)?.idNumber,
        target: () => 'population',
      },
    ],
  },
  certificate: {
    contract: certificateContract,
    catalog: {
      name: '电子证照库',
      summary: '各颁证部门签发的电子证照，可核验真伪与状态',
      class: 'base',
      sharingType: 'unconditional',
      sharingConditions: '照面信息有条件共享',
      legalBasis: '《国务院关于在线政务服务的若干规定》',
      openType: 'closed',
      exchangeModes: ['pull', 'subscribe', 'verify'],
      updateCycle: 'realtime',
      tags: ['基础库', '电子证照'],
    },
    links: [
      {
        field: 'holder.id',
        path: (d) => (d.holder as { id?: string } | undefined)?.id,
        target: (d) => ((d.holder as { type?: string } | undefined)?.type === 'organisation' ? 'legal-person' : 'population'),
      },
    ],
  },
};
