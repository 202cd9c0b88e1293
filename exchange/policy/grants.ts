import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.ts';
import { BrxError, forbidden } from '../errors.ts';

export interface GrantRow {
  id: string;
  system_id: string;
  dataset_id: string;
  fields: string[];
  masked_fields: string[];
  row_filter: unknown;
  modes: string[];
  purpose: string;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
  requests_per_minute: number | null;
  records_per_day: number | null;
  covert_until: Date | null;
  superseded_by: string | null;
}

export const grantColumns = `id, system_id, dataset_id, fields, masked_fields, row_filter, modes, purpose, valid_from, valid_until,
            revoked_at, revoke_reason, requests_per_minute, records_per_day, covert_until, superseded_by`;

/**
 * The grants under which a system receives a dataset's data, one per mode that delivers it
 * (pull, subscribe, file), for acts about data it received (an objection). Read in the caller's
 * transaction; none at all is the 403 of the pull mode.
 */
export async function receivingGrants(trx: Tx | Db, systemId: string, datasetId: string, now: Date): Promise<GrantRow[]> {
  const grants = (await sql<GrantRow>`select ${sql.raw(grantColumns)} from grants where system_id = ${systemId} and dataset_id = ${datasetId}`.execute(trx)).rows;
  const live = ['pull', 'subscribe', 'file'].flatMap((mode) => {
    try {
      return [pickGrant(grants, mode, now)];
    } catch {
      return [];
    }
  });
  if (live.length === 0) pickGrant(grants, 'pull', now); // throws the refusal that says why
  return [...new Map(live.map((g) => [g.id, g])).values()];
}

function latestFirst(a: GrantRow, b: GrantRow): number {
  return b.valid_from.getTime() - a.valid_from.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function isLive(g: GrantRow, now: Date): boolean {
  return !g.revoked_at && !g.superseded_by && g.valid_from <= now && (!g.valid_until || g.valid_until > now);
}

/**
 * Chooses the live grant for a mode among a system's grants of a dataset, or a 403 that says why
 * there is none: not for this mode (when another grant is live), revoked (with the provider's
 * reason), expired, or none at all.
 *
 * When several live grants carry the mode, the latest decision applies: the one valid from the
 * latest time (ties broken by id), whatever order the rows came in — so which fields, rows and
 * quota apply never changes from one request to the next.
 */
export function pickGrant(grants: readonly GrantRow[], mode: string, now: Date): GrantRow {
  // a superseded grant lives on in its successor, which holds at least its fields
  const forMode = grants.filter((g) => g.modes.includes(mode) && !g.superseded_by);
  const live = forMode.filter((g) => isLive(g, now)).sort(latestFirst)[0];
  if (live) return live;
  // a live grant for other modes is the reason today, whatever happened to earlier grants
  if (grants.some((g) => isLive(g, now))) throw forbidden(`The grant does not include the ${mode} mode`);
  if (forMode.some((g) => g.revoked_at)) {
    const revoked = forMode.find((g) => g.revoked_at)!;
    throw forbidden(`The grant was revoked${revoked.revoke_reason ? `: ${revoked.revoke_reason}` : ''}`);
  }
  if (forMode.some((g) => g.valid_until && g.valid_until <= now)) throw forbidden('The grant has expired: request access again');
  if (grants.length) throw forbidden(`The grant does not include the ${mode} mode`);
  throw forbidden(`Your system holds no grant for this dataset: request access first (${mode})`);
}

/**
 * Requests per minute per system, per exchange process: a token bucket holding a minute's
 * allowance, refilled continuously (constant time per request, bursts up to the allowance).
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(readonly perMinute: number) {}

  take(key: string, limit = this.perMinute, now = Date.now()): void {
    const bucket = this.#buckets.get(key) ?? { tokens: limit, at: now };
    bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) * limit) / 60_000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const retry = Math.ceil(((1 - bucket.tokens) * 60_000) / limit / 1000);
      this.#buckets.set(key, bucket);
      throw new BrxError('BRX_ERR_THROTTLED', `At most ${limit} requests a minute for this system; try again in ${retry} s`, {
        headers: { 'retry-after': String(retry) },
      });
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
  }
}
