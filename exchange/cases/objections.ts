import type { ObjectionCreate, RowFilter } from '../../contracts/generated/api.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import { keyFormat } from '../catalog/contracts.ts';
import { findContract, findDataset } from '../catalog/store.ts';
import type { Tx } from '../db/database.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { receivingGrants } from '../policy/grants.ts';
import { matchesRowFilter } from '../policy/row-filter.ts';
import { notify } from '../notifications/notify.ts';
import { dayOf } from './calendar.ts';
import type { CaseContext } from './context.ts';
import { requesterOf } from './context.ts';
import { disputesOf } from './disputes.ts';
import { assigneeFor } from './routing.ts';
import { appendTimeline, type CaseRow, involve, nextTrackingNo } from './store.ts';

/**
 * Re-sends the record as it stands with its open objections, so subscribers learn that a value is
 * disputed (or no longer) without a change of data. The record's own offset stays with its last
 * data change: that is how a correction is recognised.
 */
export async function announceDispute(trx: Tx, events: EventLog, datasetId: string, key: string, batchId: string): Promise<void> {
  const record = await trx
    .selectFrom('records')
    .select(['data', 'deleted', 'contract_version', 'source_time'])
    .where('dataset_id', '=', datasetId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  await events.append(trx, datasetId, [
    {
      key,
      op: record.deleted ? 'delete' : 'upsert',
      data: record.data,
      contractVersion: record.contract_version,
      sourceTime: record.source_time,
      batchId,
      dispute: await disputesOf(trx, datasetId, key),
    },
  ]);
}

/**
 * Files an objection (数据异议) on one field of a record the consuming system can read. The record
 * is flagged disputed at once and keeps being served; the provider must answer by the deadline.
 */
export async function fileObjection(trx: Tx, ctx: CaseContext, events: EventLog, body: ObjectionCreate): Promise<string> {
  const requester = await requesterOf(trx, ctx.actor, body.system);
  const dataset = await findDataset(trx, body.dataset);
  if (!dataset?.current_version) throw invalid('No such dataset', [{ pointer: '/dataset', message: `no published dataset ${body.dataset}` }]);
  // the read policy's grants: an objection is about a field the system receives, within its rows
  const grants = (
    await receivingGrants(trx, requester.systemId, dataset.id, ctx.now).catch((error) => {
      throw forbidden(`The system can only object to data it receives: ${error instanceof Error ? error.message : String(error)}`);
    })
  ).filter((g) => g.fields.includes(body.field));
  if (grants.length === 0) {
    throw invalid('The field is not one the system receives', [{ pointer: '/field', message: `not granted: ${body.field}` }]);
  }
  const contract = (await findContract(trx, dataset.id, dataset.current_version))!;
  if (!(body.field in ((contract.schema.properties ?? {}) as Record<string, unknown>))) {
    throw invalid('No such field', [{ pointer: '/field', message: `${dataset.code} has no field ${body.field}` }]);
  }
  const key = lookupKey(keyFormat(contract.schema, dataset.key_field), body.key);
  const record = await trx
    .selectFrom('records')
    .select(['last_offset', 'data'])
    .where('dataset_id', '=', dataset.id)
    .where('key', '=', key)
    .where('deleted', '=', false)
    .executeTakeFirst();
  // outside the grant's rows is the very answer of a key that does not exist
  if (!record || !grants.some((g) => matchesRowFilter(record.data as Record<string, unknown>, g.row_filter as RowFilter | null))) {
    throw notFound(`${dataset.code} has no record ${key}`);
  }
  const alreadyDisputed = await trx
    .selectFrom('record_disputes')
    .select('case_id')
    .where('dataset_id', '=', dataset.id)
    .where('key', '=', key)
    .where('field', '=', body.field)
    .where('closed_at', 'is', null)
    .executeTakeFirst();

  const today = dayOf(ctx.now);
  const trackingNo = await nextTrackingNo(trx, 'YY', today);
  const { id: caseId } = await trx
    .insertInto('cases')
    .values({
      tracking_no: trackingNo,
      kind: 'objection',
      state: 'submitted',
      requester_system_id: requester.systemId,
      requester_department_id: requester.departmentId,
      requester_user_id: requester.userId,
      requester_contact: body.contact ?? null,
      purpose: '数据校核',
      legal_basis: '',
      modes: [],
      detail: JSON.stringify({ dataset: dataset.code, key, field: body.field, claimedValue: body.claimedValue, evidence: body.evidence }),
      received_on: today,
      due_on: ctx.calendar.addWorkingDays(today, dataset.request_deadline_days),
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const route = await assigneeFor(trx, dataset, today);
  await trx
    .insertInto('case_parts')
    .values({
      case_id: caseId,
      dataset_id: dataset.id,
      fields: [body.field],
      department_id: dataset.provider_department_id,
      assignee_id: route.assignee,
      acting_for_id: route.actingFor,
      last_action_at: ctx.now,
    })
    .execute();
  await involve(trx, caseId, [dataset.provider_department_id]);
  await appendTimeline(trx, caseId, {
    at: ctx.now,
    action: 'submit',
    actor: ctx.actor,
    departmentId: requester.departmentId,
    datasetId: dataset.id,
    toState: 'submitted',
    note: body.evidence,
    attachments: body.attachments ?? [],
    detail: { key, field: body.field },
  });
  await trx
    .insertInto('record_disputes')
    .values({ case_id: caseId, dataset_id: dataset.id, key, field: body.field, opened_at: ctx.now, opened_offset: record.last_offset })
    .execute();
  // subscribers hear once that a field is disputed, not once per objection to it
  if (!alreadyDisputed) await announceDispute(trx, events, dataset.id, key, `dispute:${trackingNo}`);
  await notify(
    trx,
    { users: [route.assignee] },
    { kind: 'assigned', title: `数据异议 ${trackingNo}：${dataset.name} ${body.field}`, caseId, detail: { dataset: dataset.code } },
    ctx.now,
  );
  return trackingNo;
}

/**
 * Ends an objection's flag. A correction must have been published first: the record must have
 * changed since the objection was filed.
 */
export async function settleDispute(trx: Tx, events: EventLog, c: CaseRow, how: 'corrected' | 'rejected' | 'withdrawn', now: Date) {
  const dispute = await trx.selectFrom('record_disputes').selectAll().where('case_id', '=', c.id).forUpdate().executeTakeFirst();
  if (!dispute || dispute.closed_at) return;
  if (how === 'corrected') {
    const record = await trx
      .selectFrom('records')
      .select('last_offset')
      .where('dataset_id', '=', dispute.dataset_id)
      .where('key', '=', dispute.key)
      .executeTakeFirstOrThrow();
    if (record.last_offset <= dispute.opened_offset) {
      throw conflict('Publish the corrected record first: it has not changed since the objection was filed', [
        { pointer: '/action', message: `record ${dispute.key} unchanged since offset ${dispute.opened_offset}` },
      ]);
    }
  }
  await trx.updateTable('record_disputes').set({ closed_at: now }).where('case_id', '=', c.id).execute();
  await announceDispute(trx, events, dispute.dataset_id, dispute.key, `dispute:${c.tracking_no}:${how}`);
}
