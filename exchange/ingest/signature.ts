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

/** An Ed25519 signature is 64 bytes: in padded base64, 86 characters and `==`. */
const signatureShape = /^[A-Za-z0-9+/]{86}==$/;

/**
 * The signature's bytes when the header is their canonical base64 and nothing else: Node's
 * decoder skips characters outside the alphabet, so `é` + a valid signature would decode to
 * the valid one; and the last character's unused bits must be zero (one spelling per signature).
 */
export function signatureBytes(signature: string): Buffer | null {
  if (!signatureShape.test(signature)) return null;
  const bytes = Buffer.from(signature, 'base64');
  return bytes.length === 64 && bytes.toString('base64') === signature ? bytes : null;
}

/** Checks a node's Ed25519 signature of a batch body (see contracts/batch-signature.ts). */
export function verifyBatchSignature(publicKeyPem: string, datasetCode: string, body: Uint8Array, signature: string): boolean {
  const bytes = signatureBytes(signature);
  if (!bytes) return false;
  try {
    return verify(null, batchSigningMessage(datasetCode, body), publicKey(publicKeyPem), bytes);
  } catch {
    return false;
  }
}
