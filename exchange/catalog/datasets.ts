import type { ContractCreate, DatasetCreate, DatasetUpdate } from '../../contracts/generated/api.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import { canAdministerDepartment, type Principal } from '../auth/principal.ts';
import type { Tx } from '../db/database.ts';
import type { SharingType } from '../db/schema.ts';
import { conflict, type FieldError, forbidden, invalid, notFound } from '../errors.ts';
import { findDepartment } from '../identity/department-store.ts';
import { compatibilityBreaks } from './compatibility.ts';
import { contractProblems } from './contracts.ts';
import { type DatasetRow, findContract, lockDataset, nextDatasetCode } from './store.ts';

type Actor = Pick<AdminEntry, 'actor' | 'requestId'> & { actor: Principal | { kind: 'platform'; name: string } };

function requireProviderAdmin(actor: Actor['actor'], providerDepartmentId: string): void {
  if (actor.kind === 'platform') return;
  if (!canAdministerDepartment(actor, providerDepartmentId)) {
    throw forbidden("Only the provider department's dept_admin or a platform admin may change this catalog entry");
  }
}

/** Contacts (A/B posts) must be people holding a role in the provider department. */
async function checkContacts(trx: Tx, providerId: string, contacts: DatasetCreate['contacts'], at: string): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const post of ['primary', 'backup'] as const) {
    const id = contacts?.[post];
    if (!id) continue;
    const role = await trx
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', id)
      .where('department_id', '=', providerId)
      .executeTakeFirst();
    if (!role) errors.push({ in: 'body', pointer: `${at}/${post}`, message: 'is not a person of the provider department' });
  }
  if (contacts?.primary && contacts.primary === contacts.backup) {
    errors.push({ in: 'body', pointer: `${at}/backup`, message: 'must be another person than the primary contact' });
  }
  return errors;
}

function legalBasisErrors(sharingType: SharingType, legalBasis: string | undefined): FieldError[] {
  return sharingType === 'none' && !legalBasis?.trim()
    ? [{ in: 'body', pointer: '/legalBasis', message: 'a dataset that is not shared (不予共享) must state its legal basis' }]
    : [];
}

function refuseContract(problems: { pointer: string; message: string }[], at: string): never {
  throw invalid(
    'The contract cannot be registered',
    problems.map((p) => ({ in: 'body', pointer: at + p.pointer, message: p.message })),
  );
}

async function insertContract(trx: Tx, dataset: { id: string }, contract: ContractCreate, major: number, minor: number, actor: Actor) {
  const version = `${major}.${minor}`;
  await trx
    .insertInto('dataset_contracts')
    .values({
      dataset_id: dataset.id,
      version,
      major,
      minor,
      schema: JSON.stringify(contract.schema),
      fields: JSON.stringify(contract.fields),
      created_by: actor.actor.kind === 'user' ? actor.actor.userId : null,
    })
    .execute();
  await trx.updateTable('datasets').set({ current_version: version, updated_at: new Date() }).where('id', '=', dataset.id).execute();
  return version;
}

/** A provider describes a dataset (目录编制): a draft until a platform admin publishes it. */
export async function draftDataset(trx: Tx, input: DatasetCreate, actor: Actor): Promise<string> {
  requireProviderAdmin(actor.actor, input.providerDepartmentId);
  const provider = await findDepartment(trx, input.providerDepartmentId);
  if (!provider) throw invalid('No such provider department', [{ in: 'body', pointer: '/providerDepartmentId', message: 'no such department' }]);
  const errors = [
    ...legalBasisErrors(input.sharingType, input.legalBasis),
    ...(await checkContacts(trx, provider.id, input.contacts, '/contacts')),
  ];
  if (errors.length) throw invalid('The catalog entry is not complete', errors);
  if (input.contract) {
    const problems = contractProblems(input.contract, input.keyField, input.sharingType);
    if (problems.length) refuseContract(problems, '/contract');
  }
  const code = await nextDatasetCode(trx, provider);
  const { id } = await trx
    .insertInto('datasets')
    .values({
      code,
      name: input.name,
      summary: input.summary ?? '',
      provider_department_id: provider.id,
      class: input.class,
      sharing_type: input.sharingType,
      sharing_conditions: input.sharingConditions ?? '',
      legal_basis: input.legalBasis ?? '',
      open_type: input.openType,
      exchange_modes: input.exchangeModes,
      update_cycle: input.updateCycle,
      key_field: input.keyField,
      request_deadline_days: input.requestDeadlineDays ?? 10,
      primary_contact_id: input.contacts?.primary ?? null,
      backup_contact_id: input.contacts?.backup ?? null,
      tags: input.tags ?? [],
      current_version: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('event_heads').values({ dataset_id: id, last_offset: 0 }).execute();
  if (input.contract) await insertContract(trx, { id }, input.contract, 1, 0, actor);
  await recordAdminAction(trx, {
    ...actor,
    action: 'dataset.draft',
    departmentId: provider.id,
    targetKind: 'dataset',
    targetId: code,
    detail: { name: input.name, sharingType: input.sharingType, class: input.class },
  });
  return code;
}

async function requireDataset(trx: Tx, code: string): Promise<DatasetRow> {
  const dataset = await lockDataset(trx, code);
  if (!dataset) throw notFound(`No dataset ${code}`);
  return dataset;
}

export async function changeDataset(trx: Tx, code: string, patch: DatasetUpdate, actor: Actor): Promise<void> {
  const dataset = await requireDataset(trx, code);
  requireProviderAdmin(actor.actor, dataset.provider_department_id);
  if (dataset.status === 'retired') throw conflict(`Dataset ${code} is retired: its catalog entry is kept as it was`);
  const sharingType = patch.sharingType ?? dataset.sharing_type;
  const errors = [
    ...legalBasisErrors(sharingType, patch.legalBasis ?? dataset.legal_basis),
    ...(patch.contacts ? await checkContacts(trx, dataset.provider_department_id, patch.contacts, '/contacts') : []),
  ];
  if (errors.length) throw invalid('The catalog entry is not valid', errors);
  await trx
    .updateTable('datasets')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
      ...(patch.class !== undefined ? { class: patch.class } : {}),
      ...(patch.sharingType !== undefined ? { sharing_type: patch.sharingType } : {}),
      ...(patch.sharingConditions !== undefined ? { sharing_conditions: patch.sharingConditions } : {}),
      ...(patch.legalBasis !== undefined ? { legal_basis: patch.legalBasis } : {}),
      ...(patch.openType !== undefined ? { open_type: patch.openType } : {}),
      ...(patch.exchangeModes !== undefined ? { exchange_modes: patch.exchangeModes } : {}),
      ...(patch.updateCycle !== undefined ? { update_cycle: patch.updateCycle } : {}),
      ...(patch.requestDeadlineDays !== undefined ? { request_deadline_days: patch.requestDeadlineDays } : {}),
      ...(patch.contacts !== undefined
        ? { primary_contact_id: patch.contacts.primary ?? null, backup_contact_id: patch.contacts.backup ?? null }
        : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', dataset.id)
    .execute();
  await recordAdminAction(trx, {
    ...actor,
    action: 'dataset.update',
    departmentId: dataset.provider_department_id,
    targetKind: 'dataset',
    targetId: code,
    detail: { ...patch },
  });
}

/**
 * Registers a new contract version. Backward compatible (every record valid before stays valid,
 * no field disappears): the next minor version. Otherwise refused with exactly what breaks —
 * unless the provider asks for a new major version (`breaking: true`).
 */
export async function addContract(trx: Tx, code: string, contract: ContractCreate, actor: Actor): Promise<string> {
  const dataset = await requireDataset(trx, code);
  requireProviderAdmin(actor.actor, dataset.provider_department_id);
  if (dataset.status === 'retired') throw conflict(`Dataset ${code} is retired`);
  const problems = contractProblems(contract, dataset.key_field, dataset.sharing_type);
  if (problems.length) refuseContract(problems, '');
  const current = dataset.current_version ? await findContract(trx, dataset.id, dataset.current_version) : undefined;
  let major = 1;
  let minor = 0;
  if (current) {
    const breaks = compatibilityBreaks(current.schema, contract.schema);
    if (breaks.length && !contract.breaking) {
      throw conflict(
        `The new contract is not backward compatible with version ${current.version}: ${breaks.length} change(s) break it. ` +
          'Make them compatible, or send "breaking": true to publish a new major version.',
        breaks.map((b) => ({ in: 'body', pointer: `/schema${b.pointer === '/' ? '' : b.pointer}`, message: b.message })),
      );
    }
    [major, minor] = breaks.length || contract.breaking ? [current.major + 1, 0] : [current.major, current.minor + 1];
  }
  const version = await insertContract(trx, dataset, contract, major, minor, actor);
  await recordAdminAction(trx, {
    ...actor,
    action: 'dataset.contract.add',
    departmentId: dataset.provider_department_id,
    targetKind: 'dataset',
    targetId: code,
    detail: { version, previous: current?.version ?? null },
  });
  return version;
}

/** 目录审核: a platform admin publishes a draft; it then shows in every department's catalog. */
export async function publishDataset(trx: Tx, code: string, actor: Actor): Promise<void> {
  const dataset = await requireDataset(trx, code);
  if (dataset.status !== 'draft') throw conflict(`Dataset ${code} is ${dataset.status}; only a draft can be published`);
  if (!dataset.current_version) throw conflict(`Dataset ${code} has no contract yet: add one before publishing`);
  await trx.updateTable('datasets').set({ status: 'published', published_at: new Date(), updated_at: new Date() }).where('id', '=', dataset.id).execute();
  await recordAdminAction(trx, { ...actor, action: 'dataset.publish', departmentId: dataset.provider_department_id, targetKind: 'dataset', targetId: code });
}

export async function retireDataset(trx: Tx, code: string, reason: string | undefined, actor: Actor): Promise<void> {
  const dataset = await requireDataset(trx, code);
  requireProviderAdmin(actor.actor, dataset.provider_department_id);
  if (dataset.status === 'retired') throw conflict(`Dataset ${code} is retired already`);
  await trx.updateTable('datasets').set({ status: 'retired', retired_at: new Date(), updated_at: new Date() }).where('id', '=', dataset.id).execute();
  await recordAdminAction(trx, {
    ...actor,
    action: 'dataset.retire',
    departmentId: dataset.provider_department_id,
    targetKind: 'dataset',
    targetId: code,
    detail: { reason: reason ?? null },
  });
}
