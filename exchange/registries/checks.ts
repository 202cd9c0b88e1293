import { createPublicKey } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { verifyCertificate } from '../../registries/certificate/signature.ts';
import { certificateType, certificateTypes } from '../../registries/certificate/types.ts';
import type { RegistryKind } from '../../registries/contract.ts';
import { type PointedError, pointedErrors } from '../ajv-errors.ts';
import { recordAjv } from '../catalog/contracts.ts';
import type { Db } from '../db/database.ts';
import { forbidden } from '../errors.ts';

const ajv = recordAjv({ strict: false });
const contentValidators = new Map<string, ValidateFunction>(certificateTypes.map((t) => [t.code, ajv.compile(t.content)]));

/** What a contributing department may send, and the registry-specific checks of each record. */
export interface SourceRules {
  readonly fields: readonly string[];
  readonly extra?: (data: Record<string, unknown>) => PointedError[];
}

/**
 * A department contributes to a registry only once a platform admin made it a source, and only
 * the fields it was given. Certificates are contributed by their issuer alone, signed with the
 * issuer's registered key, with the content contract of their type.
 */
export async function sourceRules(db: Db, registry: RegistryKind, datasetId: string, departmentId: string): Promise<SourceRules> {
  const source = await db
    .selectFrom('registry_sources')
    .select('fields')
    .where('dataset_id', '=', datasetId)
    .where('department_id', '=', departmentId)
    .executeTakeFirst();
  if (!source) throw forbidden(`Your department is not a source of the ${registry} registry: a platform admin registers sources`);
  const allowed = (data: Record<string, unknown>): PointedError[] =>
    source.fields.includes('*')
      ? []
      : Object.keys(data)
          .filter((f) => !source.fields.includes(f))
          .map((f) => ({ pointer: `/data/${f}`, message: 'is not a field your department contributes to this registry' }));
  if (registry !== 'certificate') return { fields: source.fields, extra: allowed };

  const department = await db.selectFrom('departments').select('code').where('id', '=', departmentId).executeTakeFirstOrThrow();
  const key = await db.selectFrom('issuer_keys').select('public_key').where('department_id', '=', departmentId).executeTakeFirst();
  const issuerKey = key ? createPublicKey(key.public_key) : null;
  return {
    fields: source.fields,
    extra: (data) => {
      const problems = allowed(data);
      if (data.issuerUscc !== department.code) {
        problems.push({ pointer: '/data/issuerUscc', message: `a department contributes only the certificates it issues (${department.code})` });
      }
      const type = certificateType(String(data.typeCode));
      if (type) {
        const validate = contentValidators.get(type.code)!;
        if (data.content !== undefined && !validate(data.content)) problems.push(...pointedErrors(validate.errors ?? [], data.content, '/data/content'));
        const holder = data.holder as { type?: string } | undefined;
        if (holder && holder.type !== type.holder) problems.push({ pointer: '/data/holder/type', message: `a ${type.name} is held by a ${type.holder}` });
        if (data.typeName !== undefined && data.typeName !== type.name) problems.push({ pointer: '/data/typeName', message: `must be ${type.name}` });
      }
      if (!issuerKey) problems.push({ pointer: '/data/signature', message: 'your department has no registered certificate-signing key' });
      else if (!verifyCertificate(data, issuerKey)) problems.push({ pointer: '/data/signature', message: "does not verify with your department's certificate-signing key" });
      return problems;
    },
  };
}
