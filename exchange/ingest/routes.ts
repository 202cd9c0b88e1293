import { createGunzip, gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { batchSignatureHeader, bodyDigest } from '../../contracts/batch-signature.ts';
import type {
  BatchParams,
  BatchRequest,
  BatchResult,
  CodeParams,
  PageQuery,
  QuarantineDiscard,
  QuarantineParams,
  QuarantineQuery,
  QuarantineResubmit,
} from '../../contracts/generated/api.ts';
import { recordAdminAction } from '../audit/store.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, departmentsOf, hasRole, type Principal } from '../auth/principal.ts';
import { type DatasetRow, findDataset } from '../catalog/store.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { BrxError, conflict, forbidden, notFound, unauthenticated } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../http/page-cursor.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { ingestBatch } from './ingest.ts';
import { signatureBytes, verifyBatchSignature } from './signature.ts';
import { findBatch } from './store.ts';
import { listBatches, listQuarantine, presentBatch, presentQuarantine } from './history.ts';

function readGzip(bytes: Buffer): Buffer | null {
  try {
    return gunzipSync(bytes);
  } catch {
    return null; // damaged: reported as not matching
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const nodes = rule('front-end nodes (前置机) of the provider department', (p) => p.kind === 'node');
const providerPeopleOrNodes = rule('the provider department, auditors and platform admins', (p) => p.kind === 'node' || p.kind === 'user');
const deptAdmins = rule("the provider department's dept_admin", (p) => hasRole(p, 'dept_admin'));

/** Provider department (its people and nodes), auditors and platform admins see batches and quarantine. */
function requireProviderView(p: Principal, dataset: DatasetRow): void {
  if (canReadAudit(p) || departmentsOf(p).includes(dataset.provider_department_id)) return;
  throw forbidden(`Only the provider department of ${dataset.code}, auditors and platform admins may see this`);
}

export async function ingestRoutes(app: FastifyInstance, { db, config }: { db: Db; config: Config }) {
  // Nodes send batches gzip-compressed (Content-Encoding: gzip); the body limit counts the
  // decompressed bytes, so a small compressed body cannot expand past it.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-encoding'] !== 'gzip') return payload;
    delete request.headers['content-encoding'];
    delete request.headers['content-length'];
    return payload.pipe(createGunzip()) as unknown as typeof payload;
  });
  // The batch signature covers the body byte for byte: keep the bytes as well as the parsed JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    parseJson(request, body.toString('utf8'), done);
  });

  async function dataset(code: string): Promise<DatasetRow> {
    const d = await findDataset(db, code);
    if (!d) throw notFound(`No dataset ${code}`);
    return d;
  }

  app.post<{ Params: CodeParams; Body: BatchRequest }>('/v1/datasets/:code/batches', {
    // each record is checked on its own (ingest/records.ts): one bad one never fails the batch
    config: { access: nodes, checkedByHandler: ['/records'] },
    bodyLimit: config.batchMaxBytes,
    schema: {
      ...describe(
        'publishing',
        `Publish a batch of records (at most ${config.batchMaxRecords} records or ${config.batchMaxBytes} bytes), signed by the node: ` +
          'header X-Brx-Signature = base64 Ed25519 signature of "brx-batch-v1\\n<dataset code>\\n<hex SHA-256 of the body>"',
      ),
      params: ref('CodeParams'),
      body: ref('BatchRequest'),
      response: { 200: ref('BatchResult'), ...problemResponses },
    },
    handler: async (request) => {
      const node = principalOf(request);
      if (node.kind !== 'node') throw forbidden('Only nodes publish batches');
      const d = await dataset(request.params.code);
      // a registry's sources are checked with their fields when the batch is read
      if (!d.registry && d.provider_department_id !== node.departmentId) {
        throw forbidden(`Dataset ${d.code} is provided by another department: a node publishes only its own department's datasets`);
      }
      const signature = request.headers[batchSignatureHeader];
      if (typeof signature !== 'string' || signature === '') {
        throw unauthenticated(`Sign the batch: header ${batchSignatureHeader} is missing`);
      }
      if (!signatureBytes(signature)) {
        throw unauthenticated(`Header ${batchSignatureHeader} must be the 64-byte Ed25519 signature in padded base64 (88 characters), nothing else`);
      }
      const keys = await db
        .selectFrom('nodes')
        .select(['public_key', sql<string | null>`case when previous_key_until > now() then previous_public_key end`.as('previous')])
        .where('id', '=', node.nodeId)
        .executeTakeFirstOrThrow();
      const body = request.rawBody!;
      // the key the node rotated away from verifies until its overlap ends (batches signed before the switch)
      const public_key = [keys.public_key, keys.previous].find((k) => k && verifyBatchSignature(k, d.code, body, signature));
      if (!public_key) throw unauthenticated("The batch signature does not verify with this node's registered Ed25519 key");
      if (request.body.records.length > config.batchMaxRecords) {
        throw new BrxError(
          'BRX_ERR_PAYLOAD_TOO_LARGE',
          `A batch holds at most ${config.batchMaxRecords} records; this one has ${request.body.records.length}: split it`,
        );
      }
      return ingestBatch(db, app.events, {
        dataset: d,
        batchId: request.body.batchId,
        records: request.body.records,
        submitter: { nodeId: node.nodeId },
        departmentId: node.departmentId,
        signed: { body, sha256: bodyDigest(body), signature, publicKey: public_key },
        now: app.clock.now(),
      });
    },
  });

  app.get<{ Params: CodeParams; Querystring: PageQuery }>('/v1/datasets/:code/batches', {
    config: { access: providerPeopleOrNodes },
    schema: {
      ...describe('publishing', 'Batch history of a dataset, newest first: node, time, counts, signature'),
      params: ref('CodeParams'),
      querystring: ref('PageQuery'),
      response: { 200: ref('BatchList'), ...problemResponses },
    },
    handler: async (request) => {
      const d = await dataset(request.params.code);
      requireProviderView(principalOf(request), d);
      const limit = request.query.limit ?? 50;
      const rows = await listBatches(db, d.id, limit, decodeCursor(request.query.cursor, ['uuid'])?.[0]);
      return { items: rows.map(presentBatch), nextCursor: rows.length === limit ? encodeCursor([rows[rows.length - 1]!.id]) : null };
    },
  });

  /** One batch of a dataset, for its provider department, auditors and platform admins. */
  async function visibleBatch(request: FastifyRequest<{ Params: BatchParams }>) {
    const d = await dataset(request.params.code);
    requireProviderView(principalOf(request), d);
    const batch = await findBatch(db, d.id, request.params.batchId);
    if (!batch) throw notFound(`Dataset ${d.code} has no batch ${request.params.batchId}`);
    return { d, batch };
  }

  app.get<{ Params: BatchParams }>('/v1/datasets/:code/batches/:batchId', {
    config: { access: providerPeopleOrNodes },
    schema: {
      ...describe('publishing', 'The answer the exchange gave to one batch, again: a node that lost it (a crash, a timeout) learns whether the batch arrived'),
      params: ref('BatchParams'),
      response: { 200: ref('BatchResult'), ...problemResponses },
    },
    handler: async (request) => {
      // a batch is stored with its answer in one transaction: found means answered
      const { batch } = await visibleBatch(request);
      return { ...(batch.result as BatchResult), replayed: true };
    },
  });

  app.post<{ Params: BatchParams }>('/v1/datasets/:code/batches/:batchId/verify', {
    config: { access: providerPeopleOrNodes },
    schema: {
      ...describe('publishing', 'Check a stored batch again: does its body still hash to what the node signed, and does the signature verify?'),
      params: ref('BatchParams'),
      response: { 200: ref('BatchVerification'), ...problemResponses },
    },
    handler: async (request) => {
      const { d, batch } = await visibleBatch(request);
      if (!batch.signature || !batch.signing_key || !batch.body_sha256) {
        return { batchId: batch.batch_id, signatureValid: false, bodyMatches: false, detail: 'submitted by a person from quarantine: not signed by a node' };
      }
      const payload = await db.selectFrom('batch_payloads').select('body_gzip').where('batch_row_id', '=', batch.id).executeTakeFirst();
      const body = payload ? readGzip(payload.body_gzip) : null;
      const bodyMatches = body !== null && bodyDigest(body) === batch.body_sha256;
      const signatureValid = body !== null && verifyBatchSignature(batch.signing_key, d.code, body, batch.signature);
      return {
        batchId: batch.batch_id,
        signatureValid,
        bodyMatches,
        detail: !body
          ? 'the stored body is missing or damaged'
          : bodyMatches && signatureValid
            ? 'the stored body is exactly what the node signed'
            : 'the stored body or signature was altered after receipt',
      };
    },
  });

  app.get<{ Params: CodeParams; Querystring: QuarantineQuery }>('/v1/datasets/:code/quarantine', {
    config: { access: providerPeopleOrNodes },
    schema: {
      ...describe('publishing', 'Rejected records waiting for correction (or resolved, or discarded), oldest first'),
      params: ref('CodeParams'),
      querystring: ref('QuarantineQuery'),
      response: { 200: ref('QuarantineList'), ...problemResponses },
    },
    handler: async (request) => {
      const d = await dataset(request.params.code);
      requireProviderView(principalOf(request), d);
      const limit = request.query.limit ?? 50;
      const { cursor, ...filter } = request.query;
      const afterId = decodeCursor(cursor, ['uuid'])?.[0];
      const rows = await listQuarantine(db, d.id, { ...filter, ...(afterId ? { afterId } : {}), limit });
      return { items: rows.map(presentQuarantine), nextCursor: rows.length === limit ? encodeCursor([rows[rows.length - 1]!.id]) : null };
    },
  });

  /**
   * An open quarantined record and the department that corrects it: the provider, or for a
   * registry the contributing department whose node sent it. Its dept_admin only.
   */
  async function openItem(request: FastifyRequest<{ Params: QuarantineParams }>) {
    const d = await dataset(request.params.code);
    const item = await db.selectFrom('quarantine').selectAll().where('id', '=', request.params.id).where('dataset_id', '=', d.id).executeTakeFirst();
    const missing = notFound(`No quarantined record ${request.params.id} in ${d.code}`);
    if (!item) throw missing;
    const sender = d.registry && item.node_id ? await db.selectFrom('nodes').select('department_id').where('id', '=', item.node_id).executeTakeFirst() : undefined;
    const owner = sender?.department_id ?? d.provider_department_id;
    const p = principalOf(request);
    if (!hasRole(p, 'dept_admin', owner)) {
      // whoever may not see the dataset's quarantine learns nothing of what it holds: the same 404
      const seesQuarantine = canReadAudit(p) || departmentsOf(p).includes(d.provider_department_id) || departmentsOf(p).includes(owner);
      if (!seesQuarantine) throw missing;
      throw forbidden(`Only the dept_admin of the department that sent it corrects this record of ${d.code}`);
    }
    if (item.status !== 'open') throw conflict(`The quarantined record is ${item.status} already`);
    return { d, item, owner, userId: (p as Extract<Principal, { kind: 'user' }>).userId };
  }

  app.post<{ Params: QuarantineParams; Body: QuarantineResubmit }>('/v1/datasets/:code/quarantine/:id/resubmit', {
    config: { access: deptAdmins },
    schema: {
      ...describe('publishing', 'Resubmit a corrected record; it is checked like any batch record and settles the quarantined one'),
      params: ref('QuarantineParams'),
      body: ref('QuarantineResubmit'),
      response: { 200: ref('BatchResult'), ...problemResponses },
    },
    handler: async (request) => {
      const { d, item, owner, userId } = await openItem(request);
      return ingestBatch(db, app.events, {
        dataset: d,
        batchId: `quarantine-${item.id}-${Date.now()}`,
        records: [request.body.record],
        submitter: { userId },
        departmentId: owner,
        resolvesQuarantineId: item.id,
        now: app.clock.now(),
      });
    },
  });

  app.post<{ Params: QuarantineParams; Body: QuarantineDiscard }>('/v1/datasets/:code/quarantine/:id/discard', {
    config: { access: deptAdmins },
    schema: {
      ...describe('publishing', 'Give up a quarantined record, with the reason (kept and audited)'),
      params: ref('QuarantineParams'),
      body: ref('QuarantineDiscard'),
      response: { 200: ref('QuarantineItem'), ...problemResponses },
    },
    handler: async (request) => {
      const { d, item } = await openItem(request);
      const row = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('quarantine')
          .set({ status: 'discarded', resolved_at: new Date(), resolution: request.body.reason })
          .where('id', '=', item.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordAdminAction(trx, {
          ...actorOf(request),
          action: 'quarantine.discard',
          departmentId: d.provider_department_id,
          targetKind: 'quarantine',
          targetId: item.id,
          detail: { dataset: d.code, key: item.key, reason: request.body.reason },
        });
        return updated;
      });
      return presentQuarantine(row);
    },
  });
}
