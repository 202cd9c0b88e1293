import { sql } from 'kysely';
import type { Grant, RowFilter } from '../../contracts/generated/api.ts';
import type { AdminEntry } from '../audit/entries.ts';
import { recordAdminAction } from '../audit/store.ts';
import type { Db, Tx } from '../db/database.ts';
import { conflict, notFound } from '../errors.ts';
import { notify } from '../notifications/notify.ts';

export type Actor = Pick<AdminEntry, 'actor' | 'requestId'>;

export interface NewGrant {
  systemId: string;
  datasetId: string;
  fields: string[];
  maskedFields: string[];
  rowFilter: RowFilter | null;
  modes: string[];
  purpose: string;
  legalBasis: string;
  validFrom: Date;
  validUntil: Date | null;
  requestsPerMinute: number | null;
  recordsPerDay: number | null;
  covertUntil: Date | null;
  caseId: string | null;
  /** an earlier grant this one replaces (the fields granted at once, now widened by a decision) */
  supersedes?: string | null;
}

/** Creates a grant, in the admin log, in the transaction of the decision that made it. */
export async function createGrant(trx: Tx, g: NewGrant, actor: Actor): Promise<string> {
  const { id } = await trx
    .insertInto('grants')
    .values({
      system_id: g.systemId,
      dataset_id: g.datasetId,
      fields: g.fields,
      masked_fields: g.maskedFields,
      row_filter: g.rowFilter ? JSON.stringify(g.rowFilter) : null,
      modes: g.modes,
      purpose: g.purpose,
      legal_basis: g.legalBasis,
      valid_from: g.validFrom,
      valid_until: g.validUntil,
      requests_per_minute: g.requestsPerMinute,
      records_per_day: g.recordsPerDay,
      covert_until: g.covertUntil,
      case_id: g.caseId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (g.supersedes) await trx.updateTable('grants').set({ superseded_by: id }).where('id', '=', g.supersedes).execute();
  await recordAdminAction(trx, {
    ...actor,
    action: 'grant.create',
    targetKind: 'grant',
    targetId: id,
    detail: { systemId: g.systemId, datasetId: g.datasetId, fields: g.fields, maskedFields: g.maskedFields, modes: g.modes, supersedes: g.supersedes ?? null },
  });
  return id;
}

/** Revokes a grant; its holder is notified, and the next read under it is refused with the reason. */
export async function revokeGrant(trx: Tx, id: string, reason: string, actor: Actor, now: Date): Promise<void> {
  const grant = await trx
    .selectFrom('grants as g')
    .innerJoin('datasets as d', 'd.id', 'g.dataset_id')
    .leftJoin('cases as c', 'c.id', 'g.case_id')
    .select(['g.revoked_at', 'g.superseded_by', 'g.system_id', 'd.name', 'c.requester_user_id'])
    .where('g.id', '=', id)
    .forUpdate('g')
    .executeTakeFirst();
  if (!grant) throw notFound(`No grant ${id}`);
  if (grant.revoked_at) throw conflict('The grant is already revoked');
  if (grant.superseded_by) throw conflict(`The grant was replaced by ${grant.superseded_by}: revoke that one`);
  const revokedBy = actor.actor.kind === 'user' ? actor.actor.userId : null;
  await trx.updateTable('grants').set({ revoked_at: now, revoke_reason: reason, revoked_by: revokedBy }).where('id', '=', id).execute();
  await recordAdminAction(trx, { ...actor, action: 'grant.revoke', targetKind: 'grant', targetId: id, detail: { reason } });
  // the holder hears at once (inbox, and the system's notify URL), not at its next refused read
  await notify(
    trx,
    { users: [grant.requester_user_id], system: grant.system_id },
    { kind: 'grant_revoked', title: `共享授权已撤销：${grant.name}（${reason}）`, grantId: id, detail: { reason } },
    now,
  );
}

export interface GrantView {
  id: string;
  system_id: string;
  system_name: string;
  department_id: string;
  department_name: string;
  dataset_code: string;
  dataset_name: string;
  provider_department_id: string;
  fields: string[];
  masked_fields: string[];
  row_filter: RowFilter | null;
  modes: string[];
  purpose: string;
  legal_basis: string;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
  superseded_by: string | null;
  requests_per_minute: number | null;
  records_per_day: number | null;
  covert_until: Date | null;
  tracking_no: string | null;
  created_at: Date;
}

export interface GrantFilter {
  /** grants held by systems of these departments, or granted on datasets they provide */
  held?: readonly string[];
  granted?: readonly string[];
  systemId?: string;
  systemOnly?: string;
  datasetCode?: string;
  status?: Grant['status'];
  id?: string;
  after?: string;
  limit: number;
  now: Date;
}

export async function listGrants(db: Db, f: GrantFilter): Promise<GrantView[]> {
  let q = db
    .selectFrom('grants as g')
    .innerJoin('systems as s', 's.id', 'g.system_id')
    .innerJoin('departments as sd', 'sd.id', 's.department_id')
    .innerJoin('datasets as d', 'd.id', 'g.dataset_id')
    .leftJoin('cases as c', 'c.id', 'g.case_id')
    .selectAll('g')
    .select([
      's.name as system_name',
      's.department_id',
      'sd.name as department_name',
      'd.code as dataset_code',
      'd.name as dataset_name',
      'd.provider_department_id',
      'c.tracking_no',
    ]);
  if (f.id) q = q.where('g.id', '=', f.id);
  if (f.systemOnly) q = q.where('g.system_id', '=', f.systemOnly);
  if (f.systemId) q = q.where('g.system_id', '=', f.systemId);
  if (f.datasetCode) q = q.where('d.code', '=', f.datasetCode);
  if (f.held || f.granted) {
    const held = f.held ?? [];
    const granted = f.granted ?? [];
    q = q.where((eb) =>
      eb.or([
        ...(held.length ? [eb('s.department_id', 'in', held)] : []),
        ...(granted.length ? [eb('d.provider_department_id', 'in', granted)] : []),
        ...(!held.length && !granted.length ? [sql<boolean>`false`] : []),
      ]),
    );
  }
  if (f.status === 'revoked') q = q.where('g.revoked_at', 'is not', null);
  if (f.status === 'superseded') q = q.where('g.superseded_by', 'is not', null);
  if (f.status === 'expired') q = q.where('g.revoked_at', 'is', null).where('g.valid_until', '<=', f.now);
  if (f.status === 'active') {
    q = q
      .where('g.revoked_at', 'is', null)
      .where('g.superseded_by', 'is', null)
      .where('g.valid_from', '<=', f.now)
      .where((eb) => eb.or([eb('g.valid_until', 'is', null), eb('g.valid_until', '>', f.now)]));
  }
  if (f.after) q = q.where('g.id', '>', f.after);
  return (await q.orderBy('g.id').limit(f.limit).execute()) as GrantView[];
}

export function grantStatus(g: Pick<GrantView, 'revoked_at' | 'superseded_by' | 'valid_from' | 'valid_until'>, now: Date): Grant['status'] {
  if (g.revoked_at) return 'revoked';
  if (g.superseded_by) return 'superseded';
  if (g.valid_until && g.valid_until <= now) return 'expired';
  if (g.valid_from > now) return 'pending';
  return 'active';
}

export function presentGrant(g: GrantView, now: Date): Grant {
  return {
    id: g.id,
    system: { id: g.system_id, name: g.system_name },
    department: { id: g.department_id, name: g.department_name },
    dataset: g.dataset_code,
    datasetName: g.dataset_name,
    fields: g.fields,
    maskedFields: g.masked_fields,
    rowFilter: g.row_filter,
    modes: g.modes,
    purpose: g.purpose,
    legalBasis: g.legal_basis,
    validFrom: g.valid_from.toISOString(),
    validUntil: g.valid_until?.toISOString() ?? null,
    status: grantStatus(g, now),
    revokedAt: g.revoked_at?.toISOString() ?? null,
    revokeReason: g.revoke_reason,
    requestsPerMinute: g.requests_per_minute,
    recordsPerDay: g.records_per_day,
    covertUntil: g.covert_until?.toISOString() ?? null,
    caseNo: g.tracking_no,
    createdAt: g.created_at.toISOString(),
  };
}
