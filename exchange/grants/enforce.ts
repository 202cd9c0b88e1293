import type { Db } from '../db/database.ts';
import { BrxError, forbidden } from '../errors.ts';

export type GrantRow = Awaited<ReturnType<typeof grantsOf>>[number];

function grantsOf(db: Db, systemId: string, datasetId: string) {
  return db.selectFrom('grants').selectAll().where('system_id', '=', systemId).where('dataset_id', '=', datasetId).execute();
}

/**
 * The system's live grant of this dataset for this mode, or a 403 that says why not: none at all,
 * revoked (with the provider's reason), expired, or not for this mode. Deny by default.
 */
export async function requireGrant(db: Db, systemId: string, datasetId: string, mode: string, now = new Date()): Promise<GrantRow> {
  const grants = await grantsOf(db, systemId, datasetId);
  const forMode = grants.filter((g) => g.modes.includes(mode));
  const live = forMode.find((g) => !g.revoked_at && g.valid_from <= now && (!g.valid_until || g.valid_until > now));
  if (live) return live;
  if (forMode.some((g) => g.revoked_at)) {
    const revoked = forMode.find((g) => g.revoked_at)!;
    throw forbidden(`The grant was revoked${revoked.revoke_reason ? `: ${revoked.revoke_reason}` : ''}`);
  }
  if (forMode.some((g) => g.valid_until && g.valid_until <= now)) throw forbidden('The grant has expired: request access again');
  if (grants.length) throw forbidden(`The grant does not include the ${mode} mode`);
  throw forbidden(`Your system holds no grant for this dataset: request access first (${mode})`);
}

/** Requests per minute per system, per exchange process (a sliding one-minute window). */
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();
  constructor(readonly perMinute: number) {}

  take(key: string, limit = this.perMinute, now = Date.now()): void {
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > now - 60_000);
    if (hits.length >= limit) {
      const retry = Math.ceil((hits[0]! + 60_000 - now) / 1000);
      throw new BrxError('BRX_ERR_THROTTLED', `At most ${limit} requests a minute for this system; try again in ${retry} s`, {
        headers: { 'retry-after': String(retry) },
      });
    }
    hits.push(now);
    this.#hits.set(key, hits);
  }
}
