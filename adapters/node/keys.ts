import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A node's Ed25519 signing key pair: the private key (PKCS#8 PEM, mode 0600) stays on the node,
 * the public key (SPKI PEM) is registered with the exchange. An existing key is never overwritten.
 */
export async function writeKeyPair(dir: string, name = 'node-key'): Promise<{ privateKeyFile: string; publicKeyFile: string; publicKey: string }> {
  await mkdir(dir, { recursive: true });
  const privateKeyFile = path.join(dir, `${name}.pem`);
  const publicKeyFile = path.join(dir, `${name}.pub.pem`);
  if (existsSync(privateKeyFile)) throw new Error(`${privateKeyFile} exists already: move it away first (it may be the key the exchange knows)`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  await writeFile(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600, flag: 'wx' });
  await writeFile(publicKeyFile, pub, { mode: 0o644 });
  return { privateKeyFile, publicKeyFile, publicKey: pub };
}
