import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db, Tx } from '../db/database.ts';
import { type SecretColumn, SecretBox, SecretKeyError, sealedWith } from './keyring.ts';

/** Every column holding a secret the exchange must read back (API keys are hashes: not here). */
const columns: readonly { column: SecretColumn; table: 'subscriptions' | 'systems'; field: 'secret' | 'notify_secret' }[] = [
  { column: 'subscriptions.secret', table: 'subscriptions', field: 'secret' },
  { column: 'systems.notify_secret', table: 'systems', field: 'notify_secret' },
];

const legacy = 'plain:';

/**
 * Opens the key ring for a starting exchange: secrets still in clear from before the upgrade
 * (marked by migration 0010) are encrypted, and a secret under a key the ring does not hold —
 * the wrong key file, a lost BRX_SECRET_KEY — stops the start with a message saying so, rather
 * than webhooks signed with garbage later.
 */
export async function openSecrets(config: Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'secretKeyFile'>, db: Db): Promise<SecretBox> {
  const box = new SecretBox(config);
  await sealLegacySecrets(db, box);
  const unknown = (await keysInUse(db)).filter((k) => !box.knows(k.keyId));
  if (unknown.length) {
    const list = unknown.map((k) => `${k.count} under key ${k.keyId}`).join(', ');
    throw new SecretKeyError(
      `stored webhook secrets are encrypted under keys that ${box.source} does not hold (${list}): restore the key file this database was used with, or set BRX_SECRET_KEY / BRX_SECRET_KEY_PREVIOUS to its keys`,
    );
  }
  return box;
}

async function sealLegacySecrets(db: Db, box: SecretBox): Promise<number> {
  let sealed = 0;
  for (const c of columns) {
    const { rows } = await sql<{ id: string; value: string }>`
      select id, ${sql.ref(c.field)} as value from ${sql.table(c.table)} where ${sql.ref(c.field)} like ${`${legacy}%`}`.execute(db);
    for (const r of rows) {
      // guarded by the old value: two exchanges starting together encrypt each secret once
      const done = await sql`update ${sql.table(c.table)} set ${sql.ref(c.field)} = ${box.seal(r.value.slice(legacy.length), c.column)}
                              where id = ${r.id} and ${sql.ref(c.field)} = ${r.value}`.execute(db);
      sealed += Number(done.numAffectedRows ?? 0);
    }
  }
  return sealed;
}

/** How many stored secrets each key holds. */
export async function keysInUse(db: Db | Tx): Promise<{ keyId: string; count: number }[]> {
  const counts = new Map<string, number>();
  for (const c of columns) {
    const { rows } = await sql<{ value: string }>`
      select ${sql.ref(c.field)} as value from ${sql.table(c.table)} where ${sql.ref(c.field)} like 'enc:%'`.execute(db);
    for (const r of rows) {
      const id = sealedWith(r.value) ?? '?';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return [...counts].map(([keyId, count]) => ({ keyId, count }));
}

/**
 * Re-encrypts every stored secret under the box's current key, in one transaction (the rows are
 * locked, so a secret saved meanwhile waits and is then either re-encrypted or already new).
 */
export async function reencryptSecrets(db: Db, box: SecretBox, progress: (column: SecretColumn, done: number, total: number) => void = () => {}): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let total = 0;
    for (const c of columns) {
      const { rows } = await sql<{ id: string; value: string }>`
        select id, ${sql.ref(c.field)} as value from ${sql.table(c.table)} where ${sql.ref(c.field)} is not null order by id for update`.execute(trx);
      let done = 0;
      for (const r of rows) {
        const plain = r.value.startsWith(legacy) ? r.value.slice(legacy.length) : box.open(r.value, c.column);
        await sql`update ${sql.table(c.table)} set ${sql.ref(c.field)} = ${box.seal(plain, c.column)} where id = ${r.id}`.execute(trx);
        done += 1;
        if (done % 100 === 0 || done === rows.length) progress(c.column, done, rows.length);
      }
      if (rows.length === 0) progress(c.column, 0, 0);
      total += done;
    }
    return total;
  });
}
