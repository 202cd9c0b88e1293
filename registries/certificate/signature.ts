import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '../../contracts/canonical.ts';

/**
 * What an issuer signs (Ed25519): the SHA-256 of the canonical JSON of the certificate's facts —
 *   { certificateId, typeCode, number, holder, issuerUscc, issueDate, validFrom, validTo, content, fileDigest }
 * (members that are absent are left out). Status, its reason and time are not signed: suspending
 * or revoking a certificate does not invalidate the issuer's signature of what was issued.
 */
const signedFields = ['certificateId', 'typeCode', 'number', 'holder', 'issuerUscc', 'issueDate', 'validFrom', 'validTo', 'content', 'fileDigest'] as const;

export function certificateDigest(certificate: Record<string, unknown>): Buffer {
  const facts: Record<string, unknown> = {};
  for (const f of signedFields) if (certificate[f] !== undefined) facts[f] = certificate[f];
  return createHash('sha256').update(canonicalJson(facts)).digest();
}

export function signCertificate(certificate: Record<string, unknown>, issuerKey: KeyObject): string {
  return sign(null, certificateDigest(certificate), issuerKey).toString('base64');
}

export function verifyCertificate(certificate: Record<string, unknown>, issuerPublicKey: KeyObject | string): boolean {
  const signature = Buffer.from(String(certificate.signature ?? ''), 'base64');
  if (signature.length !== 64) return false;
  try {
    return verify(null, certificateDigest(certificate), issuerPublicKey, signature);
  } catch {
    return false;
  }
}

/** valid / suspended / revoked as recorded, or expired once validTo has passed (dates in China Standard Time). */
export function effectiveStatus(certificate: { status?: unknown; validTo?: unknown }, now = new Date()): string {
  if (certificate.status !== 'valid') return String(certificate.status);
  const today = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  return typeof certificate.validTo === 'string' && certificate.validTo < today ? 'expired' : 'valid';
}
