import { createPublicKey } from 'node:crypto';
import { invalid } from '../errors.ts';

// DER prefix of an SPKI structure holding a raw 32-byte Ed25519 key (RFC 8410).
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/** Accepts an Ed25519 public key as SPKI PEM or raw base64; returns SPKI PEM or refuses the field. */
export function normaliseEd25519PublicKey(input: string, pointer = '/publicKey'): string {
  const refuse = (message: string) => invalid('The public key is not usable', [{ in: 'body', pointer, message }]);
  let key: ReturnType<typeof createPublicKey>;
  try {
    if (input.includes('-----BEGIN')) {
      key = createPublicKey(input);
    } else {
      const raw = Buffer.from(input.trim(), 'base64');
      if (raw.length !== 32) throw refuse(`a raw Ed25519 key is 32 bytes, this decodes to ${raw.length}`);
      key = createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, raw]), format: 'der', type: 'spki' });
    }
  } catch (e) {
    if (e instanceof Error && 'code' in e && (e as { code: unknown }).code === 'BRX_ERR_VALIDATION') throw e;
    throw refuse('is neither an SPKI PEM public key nor a base64 raw Ed25519 key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw refuse(`must be an Ed25519 key, this is ${key.asymmetricKeyType}`);
  return key.export({ format: 'pem', type: 'spki' }).toString();
}
