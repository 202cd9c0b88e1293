import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { batchSigningMessage } from '../../contracts/batch-signature.ts';

const keys = new Map<string, KeyObject>();

function publicKey(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (keys.size > 10_000) keys.clear();
    keys.set(pem, key);
  }
  return key;
}

/** Checks a node's Ed25519 signature of a batch body (see contracts/batch-signature.ts). */
export function verifyBatchSignature(publicKeyPem: string, datasetCode: string, body: Uint8Array, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return false;
  try {
    return verify(null, batchSigningMessage(datasetCode, body), publicKey(publicKeyPem), bytes);
  } catch {
    return false;
  }
}
