import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newKey, readKeyFile, SecretBox, type SecretColumn, writeKeyFile } from './keyring.ts';
import { keysInUse, reencryptSecrets } from './stored.ts';

export interface RotationReport {
  readonly keyId: string;
  /** keys this rotation marked retired: still in the file, never used to seal */
  readonly retired: readonly string[];
  /** retired keys no stored secret used any more, removed from the file at the start */
  readonly dropped: readonly string[];
  readonly reencrypted: number;
}

type Progress = (line: string) => void;
type KeyConfig = Pick<Config, 'secretKeyFile' | 'secretKey' | 'secretKeysPrevious'>;

const keys = (ids: readonly string[]) => `key${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;

/**
 * Moves every stored secret to a new key. With the key file, in this order, each file write
 * fsynced before the next step:
 *  1. retired keys that no stored secret uses any more are dropped from the file;
 *  2. a new key is added, and becomes the one that encrypts (running exchanges re-read the file
 *     before each encryption), durably before anything is sealed under it;
 *  3. every secret is re-encrypted under it in one transaction;
 *  4. the keys it replaced are marked retired, and stay in the file.
 * A crash anywhere leaves a file holding every key a stored secret can be under; run it again.
 * The old key is not deleted at step 4: an exchange may have sealed a secret under it just
 * before step 2 and commit it after step 3 looked, and that secret must still open. Step 1 of
 * the next rotation drops it once unused; only a transaction left open from before one
 * rotation until the start of the next could still be caught out.
 * With BRX_SECRET_KEY the operator brings the new key (the old one in BRX_SECRET_KEY_PREVIOUS)
 * and this re-encrypts under it.
 */
export async function rotateSecretKeys(config: KeyConfig, db: Db, progress: Progress = () => {}): Promise<RotationReport> {
  const show = (column: SecretColumn, done: number, total: number) => progress(`  ${column}: ${done}/${total} re-encrypted`);
  const before = await keysInUse(db);
  progress(`stored secrets: ${before.reduce((n, k) => n + k.count, 0)} (${before.map((k) => `${k.count} under ${k.keyId}`).join(', ') || 'none'})`);
  if (config.secretKey) {
    const box = new SecretBox(config);
    const reencrypted = await reencryptSecrets(db, box, show);
    const retired = config.secretKeysPrevious.length ? ['BRX_SECRET_KEY_PREVIOUS'] : [];
    progress(`every secret is under key ${box.currentKeyId} (BRX_SECRET_KEY)${retired.length ? '; BRX_SECRET_KEY_PREVIOUS may now be removed' : ''}`);
    return { keyId: box.currentKeyId, retired, dropped: [], reencrypted };
  }
  const box = new SecretBox(config); // makes the file when there is none yet
  const file = readKeyFile(config.secretKeyFile);
  const current = file[file.length - 1]!;
  const used = new Set(before.map((k) => k.keyId));
  // a key left unmarked by a rotation that crashed before step 4 is read-only too: only the last key seals
  const dropped = file.filter((k) => k !== current && !used.has(k.id)).map((k) => k.id);
  const kept = file.filter((k) => !dropped.includes(k.id));
  if (dropped.length) {
    writeKeyFile(config.secretKeyFile, kept);
    progress(`dropped retired ${keys(dropped)}: no stored secret uses ${dropped.length === 1 ? 'it' : 'them'} any more`);
  }
  const fresh = newKey();
  writeKeyFile(config.secretKeyFile, [...kept, fresh]);
  progress(`new key ${fresh.id} added to ${config.secretKeyFile}`);
  box.reload();
  let reencrypted = await reencryptSecrets(db, box, show);
  // a secret an exchange sealed under the old key just before the file changed: once more
  for (let pass = 0; pass < 3 && (await keysInUse(db)).some((k) => k.keyId !== fresh.id); pass++) {
    reencrypted += await reencryptSecrets(db, box, show);
  }
  const retiredAt = new Date().toISOString();
  writeKeyFile(config.secretKeyFile, [...kept.map((k) => (k.retiredAt ? k : { ...k, retiredAt })), fresh]);
  const retired = kept.filter((k) => !k.retiredAt).map((k) => k.id);
  progress(`retired ${keys(retired)} (kept in the file, read-only: the next brx keys rotate drops ${retired.length === 1 ? 'it' : 'them'} once unused)`);
  const left = (await keysInUse(db)).filter((k) => k.keyId !== fresh.id);
  if (left.length) progress(`still under retired keys: ${left.map((k) => `${k.count} under ${k.keyId}`).join(', ')} (they open; run brx keys rotate again to move them)`);
  else progress(`every secret is under ${fresh.id}`);
  return { keyId: fresh.id, retired, dropped, reencrypted };
}
