import type { DatasetCreate } from '../../contracts/generated/api.ts';
import type { RegistryKind } from '../../registries/contract.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import { draftDataset, publishDataset } from '../catalog/datasets.ts';
import type { Db, Tx } from '../db/database.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { findDepartment } from '../identity/department-store.ts';
import { normaliseEd25519PublicKey } from '../identity/public-keys.ts';
import { registryDefinitions } from './definitions.ts';

type Actor = Pick<AdminEntry, 'actor' | 'requestId'>;

export async function findRegistry(db: Db | Tx, kind: RegistryKind) {
  return db.selectFrom('datasets').select(['id', 'code', 'merge_rules', 'provider_department_id']).where('registry', '=', kind).executeTakeFirst();
}

export async function requireRegistry(db: Db | Tx, kind: RegistryKind) {
  const registry = await findRegistry(db, kind);
  if (!registry) throw notFound(`The ${kind} registry has not been set up: a platform admin creates it with POST /v1/registries`);
  return registry;
}

/**
 * The registry's dataset id and code for the hot read paths (verification): a registry, once
 * set up, keeps them for good, so they are cached for the life of the process.
 */
const identities = new WeakMap<Db, Map<RegistryKind, { id: string; code: string }>>();
export async function registryIdentity(db: Db, kind: RegistryKind): Promise<{ id: string; code: string }> {
  const known = identities.get(db) ?? new Map<RegistryKind, { id: string; code: string }>();
  identities.set(db, known);
  let identity = known.get(kind);
  if (!identity) {
    const registry = await requireRegistry(db, kind);
    identity = { id: registry.id, code: registry.code };
    known.set(kind, identity);
  }
  return identity;
}

/**
 * Creates a base registry: a published dataset of class base with the registry's built-in
 * contract, run by `providerDepartmentId` (typically the data-administration bureau).
 */
/** What the registry's owner states at creation: brx assumes no sharing type and no contacts. */
export interface RegistryTerms {
  readonly sharingType: 'unconditional' | 'conditional';
  readonly sharingConditions?: string;
  readonly contacts: { readonly primary: string; readonly backup?: string | null };
}

export async function createRegistry(trx: Tx, kind: RegistryKind, providerDepartmentId: string, terms: RegistryTerms, actor: Actor): Promise<string> {
  if (await findRegistry(trx, kind)) throw conflict(`The ${kind} registry exists already`);
  const { contract, catalog } = registryDefinitions[kind];
  const code = await draftDataset(
    trx,
    {
      ...catalog,
      sharingType: terms.sharingType,
      ...(terms.sharingConditions ? { sharingConditions: terms.sharingConditions } : {}),
      contacts: { primary: terms.contacts.primary, backup: terms.contacts.backup ?? null },
      providerDepartmentId,
      keyField: contract.keyField,
      contract: { schema: contract.schema, fields: contract.fields } as DatasetCreate['contract'],
    },
    actor,
  );
  await trx.updateTable('datasets').set({ registry: kind }).where('code', '=', code).execute();
  await publishDataset(trx, code, actor);
  return code;
}

/** Lets a department contribute to a registry: the fields it may send (['*'] for all). */
export async function setSource(trx: Tx, kind: RegistryKind, departmentId: string, fields: string[], actor: Actor): Promise<void> {
  const registry = await requireRegistry(trx, kind);
  if (!(await findDepartment(trx, departmentId))) throw notFound(`No department ${departmentId}`);
  const known = Object.keys(registryDefinitions[kind].contract.fields);
  const unknown = fields.filter((f) => f !== '*' && !known.includes(f));
  if (unknown.length) {
    throw invalid('Unknown fields', unknown.map((f) => ({ in: 'body' as const, pointer: '/fields', message: `"${f}" is not a field of the ${kind} registry` })));
  }
  await trx
    .insertInto('registry_sources')
    .values({ dataset_id: registry.id, department_id: departmentId, fields })
    .onConflict((oc) => oc.columns(['dataset_id', 'department_id']).doUpdateSet({ fields }))
    .execute();
  await recordAdminAction(trx, { ...actor, action: 'registry.source.set', departmentId, targetKind: 'registry', targetId: kind, detail: { fields } });
}

/** Per field, the departments in order of authority ("*" for the others). */
export async function setAuthority(trx: Tx, kind: RegistryKind, rules: Record<string, string[]>, actor: Actor): Promise<void> {
  const registry = await requireRegistry(trx, kind);
  const known = Object.keys(registryDefinitions[kind].contract.fields);
  const bad = Object.keys(rules).filter((f) => f !== '*' && !known.includes(f));
  if (bad.length) throw invalid('Unknown fields', bad.map((f) => ({ in: 'body' as const, pointer: `/${f}`, message: `is not a field of the ${kind} registry` })));
  await trx.updateTable('datasets').set({ merge_rules: JSON.stringify(rules) }).where('id', '=', registry.id).execute();
  await recordAdminAction(trx, { ...actor, action: 'registry.authority.set', targetKind: 'registry', targetId: kind, detail: { rules } });
}

/** The Ed25519 key that verifies the certificates a department issues. */
export async function setIssuerKey(trx: Tx, departmentId: string, publicKey: string, actor: Actor): Promise<void> {
  if (!(await findDepartment(trx, departmentId))) throw notFound(`No department ${departmentId}`);
  const pem = normaliseEd25519PublicKey(publicKey);
  await trx
    .insertInto('issuer_keys')
    .values({ department_id: departmentId, public_key: pem })
    .onConflict((oc) => oc.column('department_id').doUpdateSet({ public_key: pem, created_at: new Date() }))
    .execute();
  await recordAdminAction(trx, { ...actor, action: 'department.issuer-key.set', departmentId, targetKind: 'department', targetId: departmentId });
}
