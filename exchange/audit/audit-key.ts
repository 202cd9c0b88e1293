import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The platform audit key: an Ed25519 key pair whose private half signs the audit checkpoints.
 * It lives in a file outside the database (BRX_AUDIT_KEY_FILE, default BRX_HOME/audit-signing-key.pem,
 * mode 0600), created at first start: whoever rewrites the database cannot sign a checkpoint
 * for the rewritten chain without also taking this file. Auditors check signatures with the
 * public half (GET /v1/audit/public-key).
 */
export interface AuditKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** SHA-256 of the public key (SPKI DER), hex: names the key a checkpoint was signed with */
  readonly keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex');
}

export async function loadOrCreateAuditKey(file: string): Promise<AuditKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // another brx on this home made it first: use theirs
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      pem = await readFile(file, 'utf8');
    }
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} does not hold an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), keyId: keyIdOf(publicKey) };
}

/** A public key as an auditor has it (PEM, SPKI), for checking checkpoints. */
export function parsePublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit public key must be an Ed25519 key');
  return key;
}
