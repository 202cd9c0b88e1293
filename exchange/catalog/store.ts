import { sql } from 'kysely';
import type { Contract, Dataset, FieldMeta } from '../../contracts/generated/api.ts';
import type { Db, Tx } from '../db/database.ts';
import type { DatasetsTable, DatasetStatus, SharingType } from '../db/schema.ts';
import { effectiveSharing } from './sharing.ts';

export interface DatasetRow {
  id: string;
  code: string;
  name: string;
  summary: string;
  provider_department_id: string;
  provider_name: string;
  class: DatasetsTable['class'];
  sharing_type: SharingType;
  sharing_conditions: string;
  legal_basis: string;
  open_type: DatasetsTable['open_type'];
  exchange_modes: string[];
  update_cycle: DatasetsTable['update_cycle'];
  key_field: string;
  request_deadline_days: number;
  primary_contact_id: string | null;
  backup_contact_id: string | null;
  tags: string[];
  status: DatasetStatus;
  current_version: string | null;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
  registry: 'population' | 'legal-person' | 'certificate' | null;
  merge_rules: Record<string, string[]>;
}

export interface ContractRow {
  dataset_id: string;
  version: string;
  major: number;
  minor: number;
  schema: Record<string, unknown>;
  fields: Record<string, FieldMeta>;
  created_at: Date;
}

function datasetQuery(db: Db | Tx) {
  return db
    .selectFrom('datasets as d')
    .innerJoin('departments as p', 'p.id', 'd.provider_department_id')
    .selectAll('d')
    .select('p.name as provider_name');
}

export async function findDataset(db: Db | Tx, code: string): Promise<DatasetRow | undefined> {
  return (await datasetQuery(db).where('d.code', '=', code).executeTakeFirst()) as DatasetRow | undefined;
}

/** The dataset row locked for the rest of the transaction (catalog changes are serialised per dataset). */
export async function lockDataset(trx: Tx, code: string): Promise<DatasetRow | undefined> {
  return (await datasetQuery(trx).where('d.code', '=', code).forUpdate('d').executeTakeFirst()) as DatasetRow | undefined;
}

export interface DatasetFilter {
  readonly q?: string;
  readonly provider?: string;
  readonly class?: string;
  readonly tag?: string;
  readonly sharingType?: string;
  readonly updateCycle?: string;
  readonly status?: string;
  readonly after?: string;
  readonly limit: number;
  /** drafts are visible to these departments only; undefined: all drafts (platform roles) */
  readonly draftsOf?: readonly string[];
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Catalog search. Chinese has no word breaks for PostgreSQL's text search to use, so `q` is a
 * substring match over name, summary, code and tags; a city's ~500 and a province's ~6,000
 * catalog entries scan in well under a millisecond each.
 */
export async function listDatasets(db: Db, f: DatasetFilter): Promise<DatasetRow[]> {
  let q = datasetQuery(db);
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('d.name', 'ilike', like),
        eb('d.summary', 'ilike', like),
        eb('d.code', 'ilike', like),
        eb(sql<string>`array_to_string(d.tags, ' ')`, 'ilike', like),
      ]),
    );
  }
  if (f.provider) q = q.where('d.provider_department_id', '=', f.provider);
  if (f.class) q = q.where('d.class', '=', f.class as DatasetsTable['class']);
  if (f.tag) q = q.where(sql<boolean>`${f.tag} = any(d.tags)`);
  if (f.sharingType) q = q.where('d.sharing_type', '=', f.sharingType as SharingType);
  if (f.updateCycle) q = q.where('d.update_cycle', '=', f.updateCycle as DatasetsTable['update_cycle']);
  if (f.status) q = q.where('d.status', '=', f.status as DatasetStatus);
  if (f.draftsOf) {
    const mine = [...f.draftsOf];
    q = q.where((eb) =>
      mine.length ? eb.or([eb('d.status', '<>', 'draft'), eb('d.provider_department_id', 'in', mine)]) : eb('d.status', '<>', 'draft'),
    );
  }
  if (f.after) q = q.where('d.code', '>', f.after);
  return (await q.orderBy('d.code').limit(f.limit).execute()) as DatasetRow[];
}

export async function findContract(db: Db | Tx, datasetId: string, version: string): Promise<ContractRow | undefined> {
  return (await db
    .selectFrom('dataset_contracts')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('version', '=', version)
    .executeTakeFirst()) as ContractRow | undefined;
}

const contracts = new WeakMap<Db, Map<string, ContractRow>>();

/**
 * A contract version, kept for the life of the process: versions are written once and never
 * changed (a change is a new version), and every read and every batch needs its dataset's.
 */
export async function contractOf(db: Db, datasetId: string, version: string): Promise<ContractRow> {
  const known = contracts.get(db) ?? new Map<string, ContractRow>();
  contracts.set(db, known);
  const cacheKey = `${datasetId}@${version}`;
  let contract = known.get(cacheKey);
  if (!contract) {
    contract = await findContract(db, datasetId, version);
    if (!contract) throw new Error(`dataset ${datasetId} has no contract version ${version}`);
    known.set(cacheKey, contract);
  }
  return contract;
}

export async function listContracts(db: Db, datasetId: string): Promise<ContractRow[]> {
  return (await db
    .selectFrom('dataset_contracts')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('major', 'desc')
    .orderBy('minor', 'desc')
    .execute()) as ContractRow[];
}

/**
 * Dataset codes: `<region code>-<provider organisation code>-<sequence>`, e.g.
 * 360500-014283022-0001 — where it is shared, who provides it, and the provider's count. Stable:
 * assigned once at drafting, never reused (retired entries keep theirs).
 */
export async function nextDatasetCode(trx: Tx, provider: { id: string; code: string; region_code: string | null }): Promise<string> {
  await sql`select pg_advisory_xact_lock(hashtext(${`dataset-code:${provider.id}`}))`.execute(trx);
  const { n } = await trx
    .selectFrom('datasets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('provider_department_id', '=', provider.id)
    .executeTakeFirstOrThrow();
  const region = provider.region_code ?? provider.code.slice(2, 8);
  return `${region}-${provider.code.slice(8, 17)}-${String(Number(n) + 1).padStart(4, '0')}`;
}

/**
 * A contract as the catalog shows it: every field with the sharing type that applies to it, so a
 * consumer sees at once which fields a request gets on the spot and which a person decides.
 */
export function presentContract(c: ContractRow, datasetSharing: SharingType): Contract {
  const fields = Object.fromEntries(
    Object.entries(c.fields).map(([name, meta]) => [name, { ...meta, sharingType: effectiveSharing(datasetSharing, meta.sharingType) }]),
  );
  return { version: c.version, schema: c.schema, fields, createdAt: c.created_at.toISOString() };
}

export function presentDataset(d: DatasetRow, contract?: ContractRow): Dataset {
  return {
    id: d.id,
    code: d.code,
    name: d.name,
    summary: d.summary,
    providerDepartmentId: d.provider_department_id,
    providerName: d.provider_name,
    class: d.class,
    sharingType: d.sharing_type,
    sharingConditions: d.sharing_conditions,
    legalBasis: d.legal_basis,
    openType: d.open_type,
    exchangeModes: d.exchange_modes,
    updateCycle: d.update_cycle,
    keyField: d.key_field,
    requestDeadlineDays: d.request_deadline_days,
    contacts: { primary: d.primary_contact_id, backup: d.backup_contact_id },
    tags: d.tags,
    status: d.status,
    currentVersion: d.current_version,
    ...(contract ? { contract: presentContract(contract, d.sharing_type) } : {}),
    createdAt: d.created_at.toISOString(),
    updatedAt: d.updated_at.toISOString(),
    publishedAt: d.published_at?.toISOString() ?? null,
  };
}
