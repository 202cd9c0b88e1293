import { validateCertificateId } from './certificate-id.ts';
import { validateIdNumber } from './id-number.ts';
import { validateRegionCode } from './region.ts';
import type { IdentifierResult } from './result.ts';
import { validateUscc } from './uscc.ts';

export type IdentifierKind = 'id-number' | 'uscc' | 'certificate-id' | 'region-code';

export const validators: Record<IdentifierKind, (value: string) => IdentifierResult<unknown>> = {
  'id-number': validateIdNumber,
  uscc: validateUscc,
  'certificate-id': validateCertificateId,
  'region-code': validateRegionCode,
};

/**
 * Which kind of identifier a value most likely is, from its shape: the certificate prefix, six
 * digits, fifteen digits, or eighteen characters — an ID number when it reads as one (digits, a
 * real birth date in place), else a credit code.
 */
export function guessKind(value: string): IdentifierKind {
  const v = value.trim().toUpperCase();
  if (v.startsWith('1.2.156.3005')) return 'certificate-id';
  if (/^\d{6}$/.test(v)) return 'region-code';
  if (/^\d{15}$/.test(v)) return 'id-number';
  if (/^\d{17}[\dX]$/.test(v) && /^(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(v.slice(6, 14))) return 'id-number';
  return 'uscc';
}

export interface CheckLine {
  readonly value: string;
  readonly kind: IdentifierKind;
  readonly valid: boolean;
  readonly normalized: string | null;
  readonly facts: unknown;
  readonly errors: readonly { rule: string; message: string }[];
}

export function checkIdentifier(value: string, kind: IdentifierKind = guessKind(value)): CheckLine {
  const r = validators[kind](value);
  return { value, kind, valid: r.valid, normalized: r.normalized, facts: r.facts, errors: r.errors };
}
