import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RowFilter } from '../../contracts/generated/api.ts';
import type { AccessEntry } from '../audit/entries.ts';
import { principalOf } from '../auth/guard.ts';
import { canReadAudit, departmentsOf, type Principal } from '../auth/principal.ts';
import { dayOf, endOfDay } from '../cases/calendar.ts';
import { type ContractRow, contractOf, type DatasetRow, findDataset } from '../catalog/store.ts';
import type { Db, Tx } from '../db/database.ts';
import type { Dispute } from '../events/event-log.ts';
import { BrxError, forbidden, invalid, notFound } from '../errors.ts';
import { validateIdNumber } from '../../registries/identifiers/id-number.ts';
import { grantsOf } from './grant-cache.ts';
import { type GrantRow, pickGrant, RateLimiter } from './grants.ts';
import { operatorOf } from '../http/route-helpers.ts';
import { mask, type MaskingRule } from './masking.ts';
import { project } from './project.ts';
import { matchesRowFilter } from './row-filter.ts';
import { subjectKeysOf } from './subjects.ts';

/**
 * How data, or a fact about data, leaves the exchange, and the grant mode each needs. Copying a
 * dataset wholesale (an export, a subscription from the beginning) needs `file` (批量下载), a mode
 * that only a person's decision grants, whatever the fields' sharing type.
 */
export type ReadMode = 'pull' | 'export' | 'subscribe' | 'verify';
const grantModes: Record<ReadMode, string> = { pull: 'pull', export: 'file', subscribe: 'subscribe', verify: 'verify' };

/** The modes that copy a dataset wholesale: never granted without a person's decision. */
export const bulkModes: readonly string[] = ['file'];

/** Reads for which a system names the official it acts for (X-Operator), when personal data is involved. */
const operatorModes = new Set<ReadMode>(['pull', 'export', 'verify']);

/**
 * What one caller may see of one dataset, decided once per request. Every read path — keyed
 * pulls, searches, exports, subscriptions and webhooks — goes through `authorizeRead` and shapes
 * what it returns with `view`, so projection, row scope and masking are decided in one place.
 * Systems read through their live grant; the provider department, auditors and platform admins
 * read whole records. Everyone's reads are audited through `audit`.
 */
export class ReadAccess {
  constructor(
    readonly principal: Principal,
    readonly dataset: DatasetRow,
    readonly contract: ContractRow,
    /** null for whole-record readers */
    readonly grant: GrantRow | null,
  ) {}

  get rowFilter(): RowFilter | null {
    return (this.grant?.row_filter as RowFilter | null) ?? null;
  }

  /** The fields a consumer receives (granted ones, masked or not). */
  get fields(): string[] {
    return this.grant ? this.grant.fields : Object.keys(this.contract.fields);
  }

  inScope(data: Record<string, unknown> | null): boolean {
    return matchesRowFilter(data, this.rowFilter);
  }

  /** The record as this caller may see it: granted fields only, masked ones masked. */
  view(data: Record<string, unknown> | null): Record<string, unknown> | null {
    return this.grant ? project(data, this.grant, this.contract.fields) : data;
  }

  /** Open objections on a record, as far as they concern granted fields (an objection is a fact about a field). */
  disputes(d: readonly Dispute[] | null | undefined): Dispute[] | null {
    if (!d?.length) return null;
    const shown = this.grant ? d.filter((x) => this.grant!.fields.includes(x.field)) : [...d];
    return shown.length ? shown : null;
  }

  /** The record key as the grant shows its key field: in clear, masked, or not at all. */
  shownKey(key: string): string | undefined {
    if (!this.grant) return key;
    const field = this.dataset.key_field;
    if (!this.grant.fields.includes(field)) return undefined;
    if (!this.grant.masked_fields.includes(field)) return key;
    return mask((this.contract.fields[field]?.masking ?? 'redact') as MaskingRule, key) as string | undefined;
  }

  /** Whether the caller may look records up by this field (searchable, and granted). */
  searchProblem(field: string): string | null {
    if (!this.contract.fields[field]?.searchable) return `${field} is not a searchable field of ${this.dataset.code}`;
    if (this.grant && !this.grant.fields.includes(field)) return `your grant does not include ${field}`;
    return null;
  }

  subjectKeys(records: readonly { key: string; data: Record<string, unknown> | null }[]): string[] {
    return [...new Set(records.flatMap((r) => subjectKeysOf(r.key, r.data, this.contract)))];
  }

  /**
   * Reserves up to `wanted` records of the grant's daily quota (records_per_day, counted per day
   * in China Standard Time) and returns how many may be served; none left is a 429.
   */
  async take(db: Db, wanted: number, now: Date): Promise<number> {
    const allowed = await this.takeUpTo(db, wanted, now);
    if (allowed === 0 && wanted > 0) throw this.#quotaSpent(now);
    return allowed;
  }

  /**
   * As `take`, but none left is 0 (a subscription's events then wait for the next day).
   * `alsoRecord` runs in the same transaction when records were taken (a subscription notes how
   * far its quota has paid), so the count and the note cannot part in a crash.
   */
  async takeUpTo(db: Db, wanted: number, now: Date, alsoRecord?: (trx: Tx, taken: number) => Promise<void>): Promise<number> {
    const limit = this.grant?.records_per_day;
    if (!limit || wanted === 0) return wanted;
    const grantId = this.grant!.id;
    const day = dayOf(now);
    return db.transaction().execute(async (trx) => {
      await trx.insertInto('grant_usage').values({ grant_id: grantId, day, records: 0 }).onConflict((oc) => oc.doNothing()).execute();
      const used = await trx.selectFrom('grant_usage').select('records').where('grant_id', '=', grantId).where('day', '=', day).forUpdate().executeTakeFirstOrThrow();
      const n = Math.max(0, Math.min(wanted, limit - used.records));
      if (n > 0) {
        await trx.updateTable('grant_usage').set({ records: used.records + n }).where('grant_id', '=', grantId).where('day', '=', day).execute();
        await alsoRecord?.(trx, n);
      }
      return n;
    });
  }

  /** When a spent daily quota renews: the next midnight in China Standard Time. */
  quotaRenewsAt(now: Date): Date {
    return new Date(endOfDay(dayOf(now)).getTime() + 1);
  }

  /** A 429 before anything is sent when the daily quota is already used up (streams cannot fail later with a status). */
  async requireAllowance(db: Db, now: Date): Promise<void> {
    const limit = this.grant?.records_per_day;
    if (!limit) return;
    const used = await db.selectFrom('grant_usage').select('records').where('grant_id', '=', this.grant!.id).where('day', '=', dayOf(now)).executeTakeFirst();
    if ((used?.records ?? 0) >= limit) throw this.#quotaSpent(now);
  }

  #quotaSpent(now: Date): BrxError {
    return new BrxError('BRX_ERR_THROTTLED', `The grant's quota of ${this.grant?.records_per_day} records a day is used up; it renews at midnight China Standard Time`, {
      headers: { 'retry-after': String(Math.ceil((this.quotaRenewsAt(now).getTime() - now.getTime()) / 1000)) },
    });
  }

  /** The access entry of this read: who, for whom, under which grant and purpose, whose records, which fields. */
  entry(e: Pick<AccessEntry, 'mode' | 'outcome' | 'subjectKeys' | 'query' | 'recordCount' | 'operator' | 'requestId'>): AccessEntry {
    return {
      actor: this.principal,
      dataset: this.dataset.code,
      grantId: this.grant?.id ?? null,
      purpose: this.grant?.purpose ?? null,
      fields: this.fields,
      discloseAfter: this.grant?.covert_until ?? null,
      ...e,
    };
  }
}

const limiter = new RateLimiter(Number.MAX_SAFE_INTEGER);
const datasetCache = new WeakMap<Db, Map<string, { row: DatasetRow; until: number }>>();

/** Catalog entries change rarely; a read path looks them up at most every few seconds. */
async function datasetByCode(db: Db, code: string): Promise<DatasetRow | undefined> {
  const known = datasetCache.get(db) ?? new Map<string, { row: DatasetRow; until: number }>();
  datasetCache.set(db, known);
  const hit = known.get(code);
  if (hit && hit.until > Date.now()) return hit.row;
  const row = await findDataset(db, code);
  if (row) known.set(code, { row, until: Date.now() + 5_000 });
  return row;
}

export async function datasetForReading(db: Db, code: string): Promise<{ dataset: DatasetRow; contract: ContractRow }> {
  const dataset = await datasetByCode(db, code);
  if (!dataset?.current_version || dataset.status === 'draft') throw notFound(`No dataset ${code}`);
  return { dataset, contract: await contractOf(db, dataset.id, dataset.current_version) };
}

/**
 * Decides a read: a system needs its live grant for the mode (deny by default; 403 naming why:
 * none, revoked, expired, wrong mode) and stays within the grant's requests a minute (429). A
 * refusal is itself audited. `grants` may be passed when the caller fetched them already (the
 * keyed pull reads them with the record in one round trip).
 */
export function authorizeRead(app: FastifyInstance, request: FastifyRequest, code: string, mode: ReadMode, grants?: readonly GrantRow[]): Promise<ReadAccess> {
  return authorize(app, principalOf(request), code, mode, { operator: operatorOf(request), requestId: request.id, grants, requireOperator: true });
}

/** The same decision without a request: webhook deliveries act for the subscribing system. */
export async function authorize(
  app: FastifyInstance,
  p: Principal,
  code: string,
  mode: ReadMode,
  context: { operator?: string | null; requestId?: string; grants?: readonly GrantRow[] | undefined; requireOperator?: boolean } = {},
): Promise<ReadAccess> {
  const { dataset, contract } = await datasetForReading(app.db, code);
  const now = app.clock.now();
  if (p.kind !== 'system') {
    if (mode !== 'subscribe' && mode !== 'verify' && (canReadAudit(p) || departmentsOf(p).includes(dataset.provider_department_id))) {
      return new ReadAccess(p, dataset, contract, null);
    }
    throw forbidden('Only the provider department, auditors, platform admins and systems holding a grant read records');
  }
  let grant: GrantRow;
  try {
    grant = pickGrant(context.grants ?? (await grantsOf(app.db, p.systemId, dataset.id)), grantModes[mode], now);
    if (context.requireOperator && operatorModes.has(mode) && grantsPersonalData(grant, contract)) {
      await requireOperator(app.db, p.departmentId, context.operator ?? null);
    }
    if (grant.requests_per_minute) limiter.take(grant.id, grant.requests_per_minute, now.getTime());
  } catch (error) {
    await app.audit.record({
      actor: p,
      mode,
      outcome: 'denied',
      dataset: dataset.code,
      operator: context.operator ?? null,
      query: { reason: error instanceof Error ? error.message : String(error) },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    throw error;
  }
  return new ReadAccess(p, dataset, contract, grant);
}

const personal = new Set(['personal', 'sensitive-personal']);

function grantsPersonalData(grant: GrantRow, contract: ContractRow): boolean {
  return grant.fields.some((f) => personal.has(contract.fields[f]?.sensitivity ?? 'personal'));
}

/**
 * A system reading personal data names the official it reads for (X-Operator): a valid ID number
 * (GB 11643, check character included), or the username of an active person with a role in the
 * system's department. The access report shows it to auditors.
 */
async function requireOperator(db: Db, departmentId: string, operator: string | null): Promise<void> {
  const problem = (message: string) =>
    invalid('Name the official this read is for in the X-Operator header', [{ in: 'headers', pointer: '/x-operator', message }]);
  if (!operator) throw problem('required for reads of personal data: an ID number, or the username of a person of your department');
  if (/^\d{17}[\dXx]$/.test(operator)) {
    if (!validateIdNumber(operator).valid) throw problem('is not a valid ID number (check character)');
    return;
  }
  if (!(await isOfficialOf(db, operator, departmentId))) throw problem('is neither a valid ID number nor an active person of your department');
}

const officials = new Map<string, number>();

/** Officials change rarely and are asked about on every read: a yes is kept for a minute. */
async function isOfficialOf(db: Db, username: string, departmentId: string): Promise<boolean> {
  const cacheKey = `${departmentId}:${username}`;
  if ((officials.get(cacheKey) ?? 0) > Date.now()) return true;
  const row = await db
    .selectFrom('users as u')
    .innerJoin('user_roles as r', 'r.user_id', 'u.id')
    .select('u.id')
    .where('u.username', '=', username)
    .where('u.status', '=', 'active')
    .where('r.department_id', '=', departmentId)
    .executeTakeFirst();
  if (!row) return false;
  if (officials.size > 10_000) officials.clear();
  officials.set(cacheKey, Date.now() + 60_000);
  return true;
}

