import { gzipSync } from 'node:zlib';
import type { BatchResult } from '../../contracts/generated/api.ts';
import { keyNormalizer, recordValidator } from '../catalog/contracts.ts';
import { sourceRules } from '../registries/checks.ts';
import { applyContributions } from '../registries/contribute.ts';
import { contractOf, type DatasetRow } from '../catalog/store.ts';
import { type Db, withConnection } from '../db/database.ts';
import { withRetry } from '../db/retry.ts';
import { ensureStage, stageRecords } from './stage.ts';
import { conflict } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { type CheckedRecord, checkRecord, contentHash, isRejected, type RejectedRecord } from './records.ts';
import { applyStaged, claimBatch, findBatch, finishBatch, quarantineRecords, resolveQuarantinedKeys, storePayload } from './store.ts';

export interface BatchSubmission {
  readonly dataset: DatasetRow;
  readonly batchId: string;
  readonly records: readonly unknown[];
  readonly submitter: { readonly nodeId: string } | { readonly userId: string };
  /** the department sending: a registry takes each department's records as its contributions */
  readonly departmentId: string;
  /** the signed request body, its hex SHA-256, the signature and the key that verified it */
  readonly signed?: { readonly body: Buffer; readonly sha256: string; readonly signature: string; readonly publicKey: string };
  /** a quarantined record this submission corrects (a person resubmitting it) */
  readonly resolvesQuarantineId?: string;
  /** the exchange's time: a record's sourceTime may not lie beyond it */
  readonly now: Date;
}

type Stale = BatchResult['stale'][number];

/** Several records for one key in one batch: the newest source time wins, then the later one. */
function newestPerKey(records: readonly CheckedRecord[]): { winners: CheckedRecord[]; superseded: Stale[] } {
  const byKey = new Map<string, CheckedRecord>();
  const superseded: Stale[] = [];
  for (const r of records) {
    const held = byKey.get(r.key);
    if (!held) byKey.set(r.key, r);
    else {
      const [win, lose] = r.sourceTime >= held.sourceTime ? [r, held] : [held, r];
      byKey.set(r.key, win);
      superseded.push({ index: lose.index, key: lose.key, storedSourceTime: null, message: `superseded by record ${win.index} of this batch` });
    }
  }
  return { winners: [...byKey.values()].sort((a, b) => a.index - b.index), superseded };
}

/**
 * Publishes a batch: checks every record, then in one transaction claims the batch id
 * (idempotency), keeps the signed body, quarantines rejected records, writes the changed records
 * and their events, and stores the answer. One bad record never fails the batch; a change older
 * than what is stored is reported stale and not applied; a record identical to what is stored
 * is `unchanged` and makes no event.
 */
export async function ingestBatch(db: Db, events: EventLog, s: BatchSubmission): Promise<BatchResult> {
  const { dataset } = s;
  if (dataset.status === 'retired') throw conflict(`Dataset ${dataset.code} is retired and takes no more data`);
  if (!dataset.current_version) throw conflict(`Dataset ${dataset.code} has no contract yet`);
  const contract = await contractOf(db, dataset.id, dataset.current_version);
  const source = dataset.registry ? await sourceRules(db, dataset.registry, dataset.id, s.departmentId) : undefined;
  const validate = recordValidator(dataset.id, contract.version, contract.schema, source ? { keyField: dataset.key_field } : undefined);
  const normalizeKey = keyNormalizer(contract.schema, dataset.key_field);
  const now = s.now.getTime();
  const checked: CheckedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  s.records.forEach((raw, i) => {
    const r = checkRecord(raw, i, { validate, keyField: dataset.key_field, normalizeKey, extra: source?.extra }, now);
    if (isRejected(r)) rejected.push(r);
    else checked.push(r);
  });
  const { winners, superseded } = newestPerKey(checked);
  const gzip = s.signed ? gzipSync(s.signed.body, { level: 1 }) : null;
  // what a replay is compared with: the signed bytes, or for an unsigned submission its records
  const digest = s.signed?.sha256 ?? contentHash({ batchId: s.batchId, records: s.records });
  const nodeId = 'nodeId' in s.submitter ? s.submitter.nodeId : null;
  const userId = 'userId' in s.submitter ? s.submitter.userId : null;

  const outcome = await withRetry(() =>
    withConnection(db, async (client, conn) => {
      await ensureStage(client);
      return conn.transaction().execute(async (trx) => {
        const batchRowId = await claimBatch(trx, {
          datasetId: dataset.id,
          batchId: s.batchId,
          nodeId,
          userId,
          count: s.records.length,
          bodySha256: digest,
          signature: s.signed?.signature ?? null,
          signingKey: s.signed?.publicKey ?? null,
      });
      if (!batchRowId) return { replay: (await findBatch(trx, dataset.id, s.batchId))!, result: undefined };
      if (gzip) await storePayload(trx, batchRowId, gzip);
      // a department's records are staged before the head is locked; a registry's golden
      // records can only be made under it (they merge what is stored)
      if (!dataset.registry) await stageRecords(client, winners);
      const reservation = await events.reserve(trx, dataset.id);
      const quarantineIds = await quarantineRecords(
        trx,
        { datasetId: dataset.id, batchId: s.batchId, nodeId, registryDepartmentId: dataset.registry ? s.departmentId : undefined, resolvesId: s.resolvesQuarantineId },
        rejected,
      );

      const target = { datasetId: dataset.id, reservation, contractVersion: contract.version, nodeId, userId, batchId: s.batchId };
      const { applied, notApplied } = dataset.registry
        ? await applyContributions(
            trx,
            client,
            { ...target, registry: dataset.registry, keyField: dataset.key_field, rules: dataset.merge_rules, departmentId: s.departmentId },
            winners,
          )
        : await applyStaged(trx, target);
      const offsets = await reservation.publish(applied);
      const stale: Stale[] = [...superseded];
      let unchanged = 0;
      for (const r of notApplied) {
        if (r.verdict === 'unchanged') unchanged += 1;
        else {
          const stored = r.stored_time.toISOString();
          stale.push({ index: r.idx, key: r.key, storedSourceTime: stored, message: `older than the stored version (${stored}): not applied` });
        }
      }
      const staleKeys = new Set(stale.map((x) => x.index));
      const settled = winners.filter((r) => !staleKeys.has(r.index)).map((r) => r.key);
      await resolveQuarantinedKeys(trx, dataset.id, settled, s.batchId);
      if (s.resolvesQuarantineId && rejected.length === 0 && settled.length > 0) {
        await trx
          .updateTable('quarantine')
          .set({ status: 'resolved', resolved_at: new Date(), resolution: `corrected in batch ${s.batchId}` })
          .where('id', '=', s.resolvesQuarantineId)
          .where('status', '=', 'open')
          .execute();
      }
      const result: BatchResult = {
        batchId: s.batchId,
        dataset: dataset.code,
        received: s.records.length,
        accepted: applied,
        unchanged,
        stale: stale.sort((a, b) => a.index - b.index),
        rejected: rejected.map((r, i) => ({ index: r.index, key: r.key, errors: r.errors, quarantineId: quarantineIds[i]! })),
        firstOffset: offsets?.first ?? null,
        lastOffset: offsets?.last ?? null,
        replayed: false,
        receivedAt: new Date(now).toISOString(),
      };
      await finishBatch(trx, batchRowId, result);
      return { result, replay: undefined };
      });
    }),
  );
  if (outcome.result) return outcome.result;
  const first = outcome.replay!;
  if (first.body_sha256 && first.body_sha256 !== digest) {
    throw conflict(`Batch ${s.batchId} was received before with a different body: choose a new batch id for new records`);
  }
  return { ...(first.result as BatchResult), replayed: true };
}
