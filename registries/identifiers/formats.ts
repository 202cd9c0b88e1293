import type { IdentifierResult } from './result.ts';
import { validateCertificateId } from './certificate-id.ts';
import { validateIdNumber } from './id-number.ts';
import { validateRegionCode } from './region.ts';
import { validateUscc } from './uscc.ts';

/**
 * Custom JSON Schema formats backed by the identifier validators (`ajv.addFormat`). Contracts,
 * ingest and the adapter all validate through these, so a check character is checked the same
 * way everywhere, and a failure says which rule failed.
 */
const validators: Record<string, (value: string) => IdentifierResult<unknown>> = {
  'cn-uscc': validateUscc,
  'cn-certificate-id': validateCertificateId,
  'cn-region-code': validateRegionCode,
  // a record stores the 18-character form: a 15-digit number is for look-ups only
  'cn-id-number': (v) => (/^\d{15}$/.test(v.trim()) ? { valid: false, normalized: v, facts: null, errors: [{ rule: 'length', message: 'store the 18-character number; 15-digit numbers are for look-ups only' }] } : validateIdNumber(v)),
};

export const identifierFormats: Record<string, (value: string) => boolean> = Object.fromEntries(
  Object.entries(validators).map(([name, validate]) => [name, (v: string) => validate(v).valid]),
);

/** Why a value fails an identifier format, in plain words; undefined for other formats. */
export function identifierDetail(format: string, value: string): string | undefined {
  const result = validators[format]?.(value);
  const first = result?.errors[0];
  return first ? `is not a valid ${format}: ${first.message}` : undefined;
}

/**
 * The canonical form of an identifier (upper case, trimmed), so that 11010519491231002x and
 * 11010519491231002X are one record key. Values that do not validate are returned unchanged
 * (their validation error is reported elsewhere).
 */
export function normalizeIdentifier(format: string, value: string): string {
  const result = validators[format]?.(value);
  return result?.valid && result.normalized ? result.normalized : value;
}

/** For look-ups: like normalizeIdentifier, and a 15-digit ID number is upgraded to its 18-character form. */
export function lookupKey(format: string | undefined, value: string): string {
  if (format === 'cn-id-number') {
    const r = validateIdNumber(value);
    return r.valid && r.normalized ? r.normalized : value.trim().toUpperCase();
  }
  return format ? normalizeIdentifier(format, value) : value;
}
