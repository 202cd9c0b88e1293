import type { RequestCreate } from '../../contracts/generated/api.ts';
import { effectiveSharing } from '../catalog/sharing.ts';
import { type DatasetRow, findContract, findDataset } from '../catalog/store.ts';
import type { Tx } from '../db/database.ts';
import type { SharingType } from '../db/schema.ts';
import type { FieldError } from '../errors.ts';
import { invalid } from '../errors.ts';
import { createGrant } from '../grants/store.ts';
import { bulkModes } from '../policy/read-policy.ts';
import { notify } from '../notifications/notify.ts';
import { dayOf } from './calendar.ts';
import { brx, type CaseContext, requesterOf } from './context.ts';
import { assigneeFor } from './routing.ts';
import { appendTimeline, involve, nextTrackingNo } from './store.ts';

const dayMs = 86_400_000;

/** How each requested field is shared: as the catalog shows it (catalog/sharing.ts). */
function sortFields(fields: readonly string[], datasetSharing: SharingType, meta: Record<string, { sharingType?: SharingType }>) {
  const sharing = (f: string) => effectiveSharing(datasetSharing, meta[f]?.sharingType);
  return {
    auto: fields.filter((f) => sharing(f) === 'unconditional'),
    refused: fields.filter((f) => sharing(f) === 'none'),
    review: fields.filter((f) => sharing(f) === 'conditional'),
  };
}

/**
 * Files a sharing request. Each dataset becomes a part decided by its provider (several providers:
 * 并联审批, one tracking number, one deadline). Unconditional fields are granted at once, fields
 * that are not shared refused at once with the dataset's legal basis; only conditional fields
 * wait for a decision — and every field when the bulk (file) mode is asked for. A request with
 * nothing to decide is closed on the spot.
 */
export async function submitRequest(trx: Tx, ctx: CaseContext, body: RequestCreate): Promise<string> {
  const requester = await requesterOf(trx, ctx.actor, body.system);
  const errors: FieldError[] = [];
  const plans: (ReturnType<typeof sortFields> & { dataset: DatasetRow; fields: string[] })[] = [];
  for (const [i, wanted] of body.datasets.entries()) {
    const dataset = await findDataset(trx, wanted.code);
    if (dataset?.status !== 'published' || !dataset.current_version) {
      errors.push({ pointer: `/datasets/${i}/code`, message: `no published dataset ${wanted.code}` });
      continue;
    }
    if (plans.some((p) => p.dataset.id === dataset.id)) {
      errors.push({ pointer: `/datasets/${i}/code`, message: `${wanted.code} is named twice` });
      continue;
    }
    const contract = (await findContract(trx, dataset.id, dataset.current_version))!;
    const properties = Object.keys((contract.schema.properties ?? {}) as Record<string, unknown>);
    for (const [j, f] of wanted.fields.entries()) {
      if (!properties.includes(f)) errors.push({ pointer: `/datasets/${i}/fields/${j}`, message: `${wanted.code} has no field ${f}` });
    }
    for (const mode of body.modes) {
      if (!dataset.exchange_modes.includes(mode)) {
        errors.push({ pointer: '/modes', message: `${wanted.code} is not offered for ${mode} (offered: ${dataset.exchange_modes.join(', ')})` });
      }
    }
    if (body.rowScope && !properties.includes(body.rowScope.field)) {
      errors.push({ pointer: '/rowScope/field', message: `${wanted.code} has no field ${body.rowScope.field}` });
    }
    const sorted = sortFields(wanted.fields, dataset.sharing_type, contract.fields);
    // copying a dataset wholesale is never granted on the spot, whatever its fields' sharing type:
    // a person of the provider decides (and may narrow rows, fields and duration)
    if (body.modes.some((m) => bulkModes.includes(m))) {
      sorted.review = [...sorted.auto, ...sorted.review];
      sorted.auto = [];
    }
    plans.push({ dataset, ...sorted, fields: wanted.fields });
  }
  if (errors.length) throw invalid('The request cannot be filed as it stands', errors);

  const today = dayOf(ctx.now);
  const reviewed = plans.filter((p) => p.review.length > 0);
  const deadlineDays = Math.max(0, ...reviewed.map((p) => p.dataset.request_deadline_days));
  const trackingNo = await nextTrackingNo(trx, 'SQ', today);
  const filer = ctx.actor;
  const { id: caseId } = await trx
    .insertInto('cases')
    .values({
      tracking_no: trackingNo,
      kind: 'request',
      state: 'submitted',
      requester_system_id: requester.systemId,
      requester_department_id: requester.departmentId,
      requester_user_id: requester.userId,
      requester_contact: body.contact ?? null,
      purpose: body.purpose,
      legal_basis: body.legalBasis ?? '',
      modes: body.modes,
      row_filter: body.rowScope ? JSON.stringify(body.rowScope) : null,
      duration_days: body.durationDays ?? 365,
      detail: JSON.stringify({ note: body.note ?? '' }),
      received_on: today,
      due_on: ctx.calendar.addWorkingDays(today, deadlineDays),
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await appendTimeline(trx, caseId, {
    at: ctx.now,
    action: 'submit',
    actor: filer,
    departmentId: requester.departmentId,
    toState: 'submitted',
    note: body.note ?? '',
    attachments: body.attachments ?? [],
    detail: { datasets: body.datasets, modes: body.modes, purpose: body.purpose },
  });
  await involve(trx, caseId, plans.map((p) => p.dataset.provider_department_id));

  for (const plan of plans) {
    const { dataset } = plan;
    const route = await assigneeFor(trx, dataset, today);
    const decided = plan.review.length === 0;
    const state = !decided ? 'pending' : plan.refused.length === 0 ? 'approved' : plan.auto.length === 0 ? 'rejected' : 'partially_approved';
    let grantId: string | null = null;
    if (plan.auto.length) {
      grantId = await createGrant(
        trx,
        {
          systemId: requester.systemId,
          datasetId: dataset.id,
          fields: plan.auto,
          maskedFields: [],
          rowFilter: body.rowScope ?? null,
          modes: body.modes,
          purpose: body.purpose,
          legalBasis: body.legalBasis ?? '',
          validFrom: ctx.now,
          validUntil: new Date(ctx.now.getTime() + (body.durationDays ?? 365) * dayMs),
          requestsPerMinute: null,
          recordsPerDay: null,
          covertUntil: null,
          caseId,
        },
        { actor: brx, requestId: ctx.requestId },
      );
      await appendTimeline(trx, caseId, {
        at: ctx.now,
        action: 'grant_unconditional',
        actor: brx,
        datasetId: dataset.id,
        note: `无条件共享，即时授权：${plan.auto.join('、')}`,
        detail: { fields: plan.auto, grantId },
      });
    }
    if (plan.refused.length) {
      await appendTimeline(trx, caseId, {
        at: ctx.now,
        action: 'refuse_not_shared',
        actor: brx,
        datasetId: dataset.id,
        note: `不予共享：${plan.refused.join('、')}。依据：${dataset.legal_basis || dataset.sharing_conditions || '目录登记为不予共享'}`,
        detail: { fields: plan.refused, legalBasis: dataset.legal_basis },
      });
    }
    await trx
      .insertInto('case_parts')
      .values({
        case_id: caseId,
        dataset_id: dataset.id,
        fields: plan.fields,
        department_id: dataset.provider_department_id,
        assignee_id: route.assignee,
        acting_for_id: route.actingFor,
        state,
        auto_fields: plan.auto,
        refused_fields: plan.refused,
        last_action_at: ctx.now,
        grant_id: grantId,
        ...(decided
          ? {
              decided_at: ctx.now,
              working_days_taken: 0,
              on_time: true,
              decision: JSON.stringify({ outcome: plan.auto.length ? 'approve' : 'reject', fields: plan.auto, automatic: true }),
            }
          : {}),
      })
      .execute();
    if (!decided) {
      await notify(
        trx,
        { users: [route.assignee] },
        { kind: 'assigned', title: `新的共享申请 ${trackingNo}：${dataset.name}`, caseId, detail: { dataset: dataset.code } },
        ctx.now,
      );
    }
  }

  if (reviewed.length === 0) {
    const granted = plans.some((p) => p.auto.length);
    const refused = plans.some((p) => p.refused.length);
    const final = !refused ? 'approved' : granted ? 'partially_approved' : 'rejected';
    await trx.updateTable('cases').set({ state: final, closed_at: ctx.now }).where('id', '=', caseId).execute();
    await appendTimeline(trx, caseId, { at: ctx.now, action: 'close', actor: brx, fromState: 'submitted', toState: final });
    await notify(
      trx,
      { users: [requester.userId], system: requester.systemId },
      { kind: 'decided', title: `共享申请 ${trackingNo} 已办结：${final}`, caseId, detail: { state: final } },
      ctx.now,
    );
  }
  return trackingNo;
}
