import { failure, type IdentifierResult } from './result.ts';
import { validateUscc } from './uscc.ts';

/**
 * Electronic certificate identifiers in the GB/T 36904 style:
 *   1.2.156.3005.2.<type code>.<issuer USCC>.<serial>.<version>.<check>
 * The check character is ISO/IEC 7064 MOD 37,36 (alphabet 0–9 A–Z) over the type code, issuer
 * code, serial and version concatenated without the dots — not over the root code, which every
 * identifier shares (as provincial systems issue them, e.g.
 * 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U).
 */
export const certificatePrefix = '1.2.156.3005.2';
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export interface CertificateIdFacts {
  readonly typeCode: string;
  readonly issuerUscc: string;
  readonly serial: string;
  readonly version: string;
}

/** ISO/IEC 7064 hybrid system MOD 37,36: the character that makes the whole string check. */
export function mod3736Check(text: string): string {
  const m = 36;
  let p = m;
  for (const ch of text) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new RangeError(`"${ch}" is not in the MOD 37,36 alphabet`);
    let s = (p + v) % m;
    if (s === 0) s = m;
    p = (s * 2) % (m + 1);
  }
  return alphabet[(m + 1 - p) % m]!;
}

export function composeCertificateId(typeCode: string, issuerUscc: string, serial: string, version = '001'): string {
  const parts = [typeCode, issuerUscc, serial, version];
  return `${certificatePrefix}.${parts.join('.')}.${mod3736Check(parts.join(''))}`;
}

export function validateCertificateId(input: string): IdentifierResult<CertificateIdFacts> {
  const value = input.trim().toUpperCase();
  if (!value.startsWith(`${certificatePrefix}.`)) return failure(value, 'prefix', `must start with ${certificatePrefix}.`);
  const parts = value.slice(certificatePrefix.length + 1).split('.');
  if (parts.length !== 5) return failure(value, 'parts', 'must have type code, issuer USCC, serial, version and check character after the prefix');
  const [typeCode, issuer, serial, version, check] = parts as [string, string, string, string, string];
  if (!/^[0-9A-Z]{1,32}$/.test(typeCode)) return failure(value, 'type-code', 'the type code must be 1–32 digits or capital letters');
  const uscc = validateUscc(issuer);
  if (!uscc.valid) return failure(value, 'issuer', `the issuer code is not a valid unified social credit code: ${uscc.errors[0]!.message}`);
  if (!/^[0-9A-Z]{1,64}$/.test(serial)) return failure(value, 'serial', 'the serial must be 1–64 digits or capital letters');
  if (!/^\d{1,3}$/.test(version)) return failure(value, 'version', 'the version must be 1–3 digits');
  if (!/^[0-9A-Z]$/.test(check)) return failure(value, 'check', 'the check character must be one digit or capital letter');
  const expected = mod3736Check(typeCode + issuer + serial + version);
  if (check !== expected) return failure(value, 'check', `check character is "${check}", expected "${expected}"`);
  return { valid: true, normalized: value, facts: { typeCode, issuerUscc: issuer, serial, version }, errors: [] };
}
