import { createHash, randomBytes } from 'node:crypto';
import type { CredentialKind } from '../db/schema.ts';

/**
 * Bearer secrets: a readable prefix naming the kind (so a leaked key is recognisable by secret
 * scanners and support staff) and 256 random bits. Only the SHA-256 is stored.
 */
const prefixes: Record<CredentialKind, string> = {
  session: 'brxs_',
  node: 'brxn_',
  system: 'brxy_',
  subject: 'brxd_',
};

export function newSecret(kind: CredentialKind): string {
  return prefixes[kind] + randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
