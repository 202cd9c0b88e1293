import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newKey, readKeyFile, SecretBox, type SecretColumn, writeKeyFile } from './keyring.ts';
import { keysInUse, reencryptSecrets } from './stored.ts';

export interface RotationReport {
  readonly keyId: string;
  readonly retired: readonly string[];
  readonly reencrypted: number;
}

type Progress = (line: string) => void;
type KeyConfig = Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'secretKeyFile'>;

/**
 * Moves every stored secret to a new key. With the key file: a new key is added (and becomes the
 * one that encrypts, for running exchanges too: they re-read the file before each encryption),
 * every secret is re-encrypted in one transaction, and only then is the old key removed from the
 * file — a crash anywhere leaves a file that opens every secret. With BRX_SECRET_KEY the operator
 * brings the new key (the old one in BRX_SECRET_KEY_PREVIOUS) and this re-encrypts under it.
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
    return { keyId: box.currentKeyId, retired, reencrypted };
  }
  const box = new SecretBox(config); // makes the file when there is none yet
  const old = readKeyFile(config.secretKeyFile);
  const fresh = newKey();
  writeKeyFile(config.secretKeyFile, [...old, fresh]);
  progress(`new key ${fresh.id} added to ${config.secretKeyFile}`);
  box.reload();
  let reencrypted = await reencryptSecrets(db, box, show);
  // a secret an exchange encrypted under the old key just before the file changed: once more
  for (let pass = 0; pass < 3 && (await keysInUse(db)).some((k) => k.keyId !== fresh.id); pass++) {
    reencrypted += await reencryptSecrets(db, box, show);
  }
  const left = (await keysInUse(db)).filter((k) => k.keyId !== fresh.id);
  if (left.length) throw new Error(`secrets are still being written under the old key (${left.map((k) => k.keyId).join(', ')}); both keys stay in the file: run brx keys rotate again`);
  writeKeyFile(config.secretKeyFile, [fresh]);
  const retired = old.map((k) => k.id);
  progress(`retired key${retired.length === 1 ? '' : 's'} ${retired.join(', ')}; every secret is under ${fresh.id}`);
  return { keyId: fresh.id, retired, reencrypted };
}
