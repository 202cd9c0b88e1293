import type { FastifyInstance } from 'fastify';
import type { RecordPage, RecordParams, RecordQuery, RecordSearchQuery, RecordView } from '../../contracts/generated/api.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import { expandProvenance, type StoredProvenance } from '../../registries/merge.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { keyFormat } from '../catalog/contracts.ts';
import { cursorSeal } from '../delivery/cursor.ts';
import { authorizeRead, datasetForReading } from '../policy/read-policy.ts';
import type { Db } from '../db/database.ts';
import { invalid, notFound } from '../errors.ts';
import { describe, inline, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';
import { exportRoute } from './export.ts';
import { currentVersion, grantsAndRecord, recordItem, recordPage, versionAsOf } from './read.ts';

const readers = rule('systems holding a pull grant, the provider department, auditors and platform admins', () => true);

/**
 * Pulling shared data: one record by key (now or as of a time), and look-ups by searchable
 * fields a page at a time. Every path decides access in delivery/enforcement.ts and writes an
 * access entry naming whose records were returned.
 */
export async function recordRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Params: RecordParams; Querystring: RecordQuery }>('/v1/datasets/:code/records/:key', {
    config: { access: readers },
    schema: {
      ...describe('records', 'One record by key; ?asOf= for how it stood then, ?provenance=true for where each field came from'),
      params: ref('RecordParams'),
      querystring: ref('RecordQuery'),
      headers: inline('OperatorHeaders'),
      response: { 200: ref('RecordView'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request): Promise<RecordView> => {
      const p = principalOf(request);
      const { dataset, contract } = await datasetForReading(db, request.params.code);
      const key = lookupKey(keyFormat(contract.schema, dataset.key_field), request.params.key);
      const { asOf } = request.query;
      // a system's grants come with the record in one round trip; other readers and asOf read it apart
      const fetched = p.kind === 'system' && !asOf ? await grantsAndRecord(db, p.systemId, dataset.id, key) : null;
      const access = await authorizeRead(app, request, dataset.code, 'pull', fetched?.grants);
      const version = fetched ? fetched.version : asOf ? await versionAsOf(app.events, dataset.id, key, new Date(asOf)) : await currentVersion(db, dataset.id, key);
      // For a consumer, a record outside the grant's rows, a deleted one and one that never
      // existed are the same answer (404, same words): nothing about a key leaks from what is
      // withheld. The access entry keeps what really happened, for auditors.
      const why = !version ? 'absent' : access.grant && version.deleted ? 'deleted' : !version.deleted && !access.inScope(version.data) ? 'out-of-scope' : null;
      const visible = why ? null : version;
      if (visible && !visible.deleted) await access.take(db, 1, app.clock.now());
      await app.audit.record(
        access.entry({
          mode: 'pull',
          outcome: visible ? 'ok' : 'not_found',
          subjectKeys: visible ? access.subjectKeys([visible]) : [key],
          recordCount: visible ? 1 : 0,
          operator: operatorOf(request),
          query: { ...(asOf ? { asOf } : {}), ...(why ? { reason: why } : {}) },
          requestId: request.id,
        }),
      );
      if (!visible) throw notFound(`${dataset.code} has no record ${key}${asOf ? ` as of ${asOf}` : ''}`);
      const item = recordItem(access, visible);
      const provenance = request.query.provenance && visible.provenance ? expandProvenance(visible.provenance as StoredProvenance) : undefined;
      return {
        dataset: dataset.code,
        key,
        data: item.data,
        deleted: visible.deleted,
        contractVersion: item.contractVersion,
        offset: item.offset,
        sourceTime: item.sourceTime,
        dispute: item.dispute,
        ...(provenance ? { provenance: Object.fromEntries(Object.entries(provenance).filter(([f]) => item.data && f in item.data)) } : {}),
      };
    },
  });

  app.get<{ Params: { code: string }; Querystring: RecordSearchQuery }>('/v1/datasets/:code/records', {
    config: { access: readers },
    schema: {
      ...describe('records', 'Look records up by searchable fields (?name=…), a page at a time; pass next as ?cursor='),
      params: ref('CodeParams'),
      querystring: ref('RecordSearchQuery'),
      headers: inline('OperatorHeaders'),
      response: { 200: ref('RecordPage'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request): Promise<RecordPage> => {
      const { cursor, limit = 50, ...fields } = request.query;
      const access = await authorizeRead(app, request, request.params.code, 'pull');
      const searchable = Object.entries(access.contract.fields).filter(([, m]) => m.searchable).map(([f]) => f);
      const problems = Object.keys(fields).flatMap((f) => {
        const problem = access.searchProblem(f);
        return problem ? [{ in: 'query' as const, pointer: `/${f}`, message: problem }] : [];
      });
      if (problems.length) throw invalid(`Search ${access.dataset.code} by its searchable fields: ${searchable.join(', ')}`, problems);
      if (Object.keys(fields).length === 0) {
        throw invalid(`Name at least one searchable field (${searchable.join(', ') || 'none'}); for every record use /export`, [
          { in: 'query', message: 'no search field given' },
        ]);
      }
      const equals = Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, lookupKey(keyFormat(access.contract.schema, f), String(v))]));
      const seal = await cursorSeal(db);
      const after = cursor ? seal.open(cursor) : undefined;
      const page = await recordPage(db, access, { equals, after, limit: limit + 1 });
      const more = page.length > limit;
      const wanted = page.slice(0, limit);
      const served = wanted.slice(0, await access.take(db, wanted.length, app.clock.now()));
      await app.audit.record(
        access.entry({
          mode: 'pull',
          outcome: 'ok',
          subjectKeys: access.subjectKeys(served),
          recordCount: served.length,
          query: equals,
          operator: operatorOf(request),
          requestId: request.id,
        }),
      );
      const last = served[served.length - 1];
      return {
        dataset: access.dataset.code,
        items: served.map((v) => recordItem(access, v)),
        next: last && (more || served.length < wanted.length) ? seal.seal(last.key) : null,
      };
    },
  });

  await exportRoute(app, db);
}
