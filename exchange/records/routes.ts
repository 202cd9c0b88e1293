import type { FastifyInstance } from 'fastify';
import type { RecordParams, RecordQuery, RecordView } from '../../contracts/generated/api.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import { expandProvenance, type StoredProvenance } from '../../registries/merge.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, departmentsOf } from '../auth/principal.ts';
import { openDisputes } from '../cases/disputes.ts';
import { keyFormat } from '../catalog/contracts.ts';
import { contractOf, findDataset } from '../catalog/store.ts';
import type { Db } from '../db/database.ts';
import { project } from '../delivery/project.ts';
import { forbidden, notFound } from '../errors.ts';
import { requireGrant } from '../grants/enforce.ts';
import { describe, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';

const readers = rule('systems with a pull grant, the provider department, auditors and platform admins', () => true);

async function currentVersion(db: Db, datasetId: string, key: string) {
  const row = await db
    .selectFrom('records')
    .select(['data', 'deleted', 'contract_version', 'last_offset', 'source_time', 'provenance', openDisputes(datasetId, key).as('dispute')])
    .where('dataset_id', '=', datasetId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { ...row, offset: row.last_offset };
}

/** The version that was current at `asOf`: the last event of the key committed by then. */
async function versionAsOf(db: Db, datasetId: string, key: string, asOf: Date) {
  const row = await db
    .selectFrom('events')
    .select(['data', 'op', 'contract_version', 'offset', 'source_time', 'dispute'])
    .where('dataset_id', '=', datasetId)
    .where('key', '=', key)
    .where('committed_at', '<=', asOf)
    .orderBy('offset', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { ...row, deleted: row.op === 'delete', provenance: null };
}

/**
 * One record by key, now or as it stood at `asOf`, with per-field provenance on request. The
 * provider department, auditors and platform admins read whole records; a consuming system reads
 * through its pull grant (granted fields only, masked ones masked). Every read is audited.
 */
export async function recordRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Params: RecordParams; Querystring: RecordQuery }>('/v1/datasets/:code/records/:key', {
    config: { access: readers },
    schema: {
      ...describe('records', 'One record by key; ?asOf= for how it stood then, ?provenance=true for where each field came from'),
      params: ref('RecordParams'),
      querystring: ref('RecordQuery'),
      response: { 200: ref('RecordView'), ...problemResponses },
    },
    handler: async (request): Promise<RecordView> => {
      const p = principalOf(request);
      const dataset = await findDataset(db, request.params.code);
      if (!dataset?.current_version) throw notFound(`No dataset ${request.params.code}`);
      const contract = await contractOf(db, dataset.id, dataset.current_version);
      const grant =
        p.kind === 'system' ? await requireGrant(db, p.systemId, dataset.id, 'pull', app.clock.now()) : null;
      if (!grant && !canReadAudit(p) && !departmentsOf(p).includes(dataset.provider_department_id)) {
        throw forbidden('Only the provider department, auditors, platform admins and systems holding a pull grant read records');
      }
      const key = lookupKey(keyFormat(contract.schema, dataset.key_field), request.params.key);
      const version = request.query.asOf
        ? await versionAsOf(db, dataset.id, key, new Date(request.query.asOf))
        : await currentVersion(db, dataset.id, key);
      const data = (version?.data as Record<string, unknown> | null | undefined) ?? null;
      const shown = grant ? project(data, grant, contract.fields) : data;
      if (p.kind !== 'subject') {
        await app.audit.record({
          actor: p,
          mode: 'pull',
          outcome: version ? 'ok' : 'not_found',
          dataset: dataset.code,
          grantId: grant?.id ?? null,
          purpose: grant?.purpose ?? null,
          operator: operatorOf(request),
          subjectKeys: [key],
          fields: shown ? Object.keys(shown) : [],
          recordCount: version ? 1 : 0,
          discloseAfter: grant?.covert_until ?? null,
          ...(request.query.asOf ? { query: { asOf: request.query.asOf } } : {}),
          requestId: request.id,
        });
      }
      if (!version) throw notFound(`${dataset.code} has no record ${key}${request.query.asOf ? ` as of ${request.query.asOf}` : ''}`);
      const provenance = request.query.provenance && version.provenance ? expandProvenance(version.provenance as StoredProvenance) : undefined;
      return {
        dataset: dataset.code,
        key,
        data: shown,
        deleted: version.deleted,
        contractVersion: version.contract_version,
        offset: version.offset,
        sourceTime: version.source_time.toISOString(),
        dispute: (version.dispute as RecordView['dispute']) ?? null,
        ...(provenance ? { provenance: grant ? Object.fromEntries(Object.entries(provenance).filter(([f]) => shown && f in shown)) : provenance } : {}),
      };
    },
  });
}
