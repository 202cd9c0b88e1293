import type { FastifyInstance } from 'fastify';
import type {
  CodeParams,
  ContractCreate,
  DatasetCreate,
  DatasetQuery,
  DatasetUpdate,
  StatusChange,
} from '../../contracts/generated/api.ts';
import { anyone, principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, departmentsOf, hasRole, isPlatformAdmin, type Principal } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { actorOf, describe, problemResponses, ref } from '../http/route-helpers.ts';
import { ensureSearchIndexes } from './search-indexes.ts';
import { addContract, changeDataset, draftDataset, publishDataset, retireDataset } from './datasets.ts';
import { type DatasetRow, findContract, findDataset, listContracts, listDatasets, presentContract, presentDataset } from './store.ts';

const catalogEditors = rule('dept_admins and platform admins', (p) => isPlatformAdmin(p) || hasRole(p, 'dept_admin'));
const platformAdmins = rule('platform admins (目录审核)', isPlatformAdmin);

/** Drafts are seen by their own department and the platform roles; undefined means all drafts. */
function draftsVisibleTo(p: Principal): string[] | undefined {
  return canReadAudit(p) ? undefined : departmentsOf(p);
}

function visible(p: Principal, d: DatasetRow): boolean {
  const mine = draftsVisibleTo(p);
  return d.status !== 'draft' || mine === undefined || mine.includes(d.provider_department_id);
}

export async function catalogRoutes(app: FastifyInstance, { db }: { db: Db }) {
  /** The dataset as the caller may see it, with a contract version; 404 for a draft of another department. */
  async function visibleDataset(p: Principal, code: string): Promise<DatasetRow> {
    const dataset = await findDataset(db, code);
    if (!dataset || !visible(p, dataset)) throw notFound(`No dataset ${code}`);
    return dataset;
  }
  async function indexSearchableFields(code: string) {
    const dataset = (await findDataset(db, code))!;
    const contract = await findContract(db, dataset.id, dataset.current_version!);
    // CREATE INDEX needs the owner of `records`; the application's own role owns no table
    await ensureSearchIndexes(app.ownerDb, dataset.id, contract!.fields);
  }
  async function present(code: string) {
    const dataset = (await findDataset(db, code))!;
    const contract = dataset.current_version ? await findContract(db, dataset.id, dataset.current_version) : undefined;
    return presentDataset(dataset, contract);
  }

  app.get<{ Querystring: DatasetQuery }>('/v1/datasets', {
    config: { access: anyone },
    schema: {
      ...describe('catalog', 'Search the catalog (共享目录): published entries, and your own department’s drafts'),
      querystring: ref('DatasetQuery'),
      response: { 200: ref('DatasetList'), ...problemResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const rows = await listDatasets(db, {
        ...q,
        limit,
        ...(q.cursor ? { after: q.cursor } : {}),
        draftsOf: draftsVisibleTo(principalOf(request)),
      });
      return { items: rows.map((r) => presentDataset(r)), nextCursor: rows.length === limit ? rows[rows.length - 1]!.code : null };
    },
  });

  app.post<{ Body: DatasetCreate }>('/v1/datasets', {
    config: { access: catalogEditors },
    schema: {
      ...describe('catalog', 'Draft a catalog entry for your department, optionally with its first contract'),
      body: ref('DatasetCreate'),
      response: { 201: ref('Dataset'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const code = await db.transaction().execute((trx) => draftDataset(trx, request.body, actorOf(request)));
      return reply.status(201).send(await present(code));
    },
  });

  app.get<{ Params: CodeParams }>('/v1/datasets/:code', {
    config: { access: anyone },
    schema: {
      ...describe('catalog', 'One catalog entry with its current contract'),
      params: ref('CodeParams'),
      response: { 200: ref('Dataset'), ...problemResponses },
    },
    handler: async (request) => {
      await visibleDataset(principalOf(request), request.params.code);
      return present(request.params.code);
    },
  });

  app.patch<{ Params: CodeParams; Body: DatasetUpdate }>('/v1/datasets/:code', {
    config: { access: catalogEditors },
    schema: {
      ...describe('catalog', 'Change a catalog entry (code, provider and key field stay)'),
      params: ref('CodeParams'),
      body: ref('DatasetUpdate'),
      response: { 200: ref('Dataset'), ...problemResponses },
    },
    handler: async (request) => {
      await db.transaction().execute((trx) => changeDataset(trx, request.params.code, request.body, actorOf(request)));
      return present(request.params.code);
    },
  });

  app.post<{ Params: CodeParams; Body: StatusChange }>('/v1/datasets/:code/publish', {
    config: { access: platformAdmins },
    schema: {
      ...describe('catalog', 'Publish a draft (目录审核): it becomes visible to every department'),
      params: ref('CodeParams'),
      body: ref('StatusChange'),
      response: { 200: ref('Dataset'), ...problemResponses },
    },
    handler: async (request) => {
      await db.transaction().execute((trx) => publishDataset(trx, request.params.code, actorOf(request)));
      await indexSearchableFields(request.params.code);
      return present(request.params.code);
    },
  });

  app.post<{ Params: CodeParams; Body: StatusChange }>('/v1/datasets/:code/retire', {
    config: { access: catalogEditors },
    schema: {
      ...describe('catalog', 'Retire a dataset: it takes no more data and no new requests'),
      params: ref('CodeParams'),
      body: ref('StatusChange'),
      response: { 200: ref('Dataset'), ...problemResponses },
    },
    handler: async (request) => {
      await db.transaction().execute((trx) => retireDataset(trx, request.params.code, request.body.reason, actorOf(request)));
      return present(request.params.code);
    },
  });

  app.get<{ Params: CodeParams }>('/v1/datasets/:code/contracts', {
    config: { access: anyone },
    schema: {
      ...describe('catalog', 'Every contract version of a dataset, newest first'),
      params: ref('CodeParams'),
      response: { 200: ref('ContractList'), ...problemResponses },
    },
    handler: async (request) => {
      const dataset = await visibleDataset(principalOf(request), request.params.code);
      return { items: (await listContracts(db, dataset.id)).map(presentContract) };
    },
  });

  app.get<{ Params: CodeParams & { version: string } }>('/v1/datasets/:code/contracts/:version', {
    config: { access: anyone },
    schema: {
      ...describe('catalog', 'One contract version'),
      params: {
        type: 'object',
        required: ['code', 'version'],
        properties: { code: { type: 'string' }, version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+$' } },
      },
      response: { 200: ref('Contract'), ...problemResponses },
    },
    handler: async (request) => {
      const dataset = await visibleDataset(principalOf(request), request.params.code);
      const contract = await findContract(db, dataset.id, request.params.version);
      if (!contract) throw notFound(`Dataset ${dataset.code} has no contract version ${request.params.version}`);
      return presentContract(contract);
    },
  });

  app.post<{ Params: CodeParams; Body: ContractCreate }>('/v1/datasets/:code/contracts', {
    config: { access: catalogEditors },
    schema: {
      ...describe('catalog', 'Add a contract version: compatible → next minor; breaking → refused unless "breaking": true'),
      params: ref('CodeParams'),
      body: ref('ContractCreate'),
      response: { 201: ref('Contract'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const version = await db.transaction().execute((trx) => addContract(trx, request.params.code, request.body, actorOf(request)));
      const dataset = (await findDataset(db, request.params.code))!;
      if (dataset.status === 'published') await indexSearchableFields(request.params.code);
      return reply.status(201).send(presentContract((await findContract(db, dataset.id, version))!));
    },
  });
}
