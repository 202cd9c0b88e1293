import { isProvincePrefix } from './region.ts';
import { failure, type IdentifierResult } from './result.ts';

/**
 * Resident identity card number (公民身份号码), GB 11643-1999: 6-digit region code, 8-digit birth
 * date, 3-digit sequence (odd for men, even for women) and a check character from the weights
 * 2^(17−i) mod 11, mapped through "10X98765432". Lower-case x is accepted and upper-cased.
 * A 15-digit number (the pre-1999 form) is upgraded for look-ups: "19" goes before the two-digit
 * year and the check character is computed.
 */
export interface IdNumberFacts {
  readonly regionCode: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female';
  readonly upgradedFrom15?: string;
}

const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkChars = '10X98765432';

export function idNumberCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * weights[i]!;
  return checkChars[sum % 11]!;
}

const daysIn = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function realDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : daysIn[m - 1]!);
}

/**
 * Today in China (UTC+8 all year) as YYYY-MM-DD, recomputed at most once a minute (validation
 * runs per record): a child born this morning in Xinyu is born "today", not tomorrow in UTC.
 */
let todayCache = { at: 0, value: '' };
function todayString(): string {
  const now = Date.now();
  if (now - todayCache.at > 60_000) todayCache = { at: now, value: new Date(now + 8 * 3_600_000).toISOString().slice(0, 10) };
  return todayCache.value;
}

export function validateIdNumber(input: string, options: { today?: Date } = {}): IdentifierResult<IdNumberFacts> {
  let value = input.trim().toUpperCase();
  let upgradedFrom15: string | undefined;
  if (/^\d{15}$/.test(value)) {
    upgradedFrom15 = value;
    const first17 = `${value.slice(0, 6)}19${value.slice(6)}`;
    value = first17 + idNumberCheck(first17);
  }
  if (value.length !== 18) return failure(value, 'length', `must be 18 characters (or a 15-digit old number), got ${value.length}`);
  if (!/^\d{17}[\dX]$/.test(value)) return failure(value, 'characters', 'must be 17 digits and a digit or X');
  // The region is the one where the number was issued, which may since have been merged or
  // renamed: only the province is checked against today's table.
  if (!isProvincePrefix(value)) return failure(value, 'region', `"${value.slice(0, 6)}" names no province`);
  const birth = value.slice(6, 14);
  if (!realDate(birth)) return failure(value, 'birth-date', `"${birth}" is not a real date`);
  const birthDate = `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`;
  const today = options.today ? options.today.toISOString().slice(0, 10) : todayString();
  if (birthDate > today) return failure(value, 'birth-date', `birth date ${birthDate} lies in the future`);
  if (birthDate < '1880-01-01') return failure(value, 'birth-date', `birth date ${birthDate} is before 1880`);
  const check = idNumberCheck(value.slice(0, 17));
  if (value[17] !== check) return failure(value, 'check', `check character is "${value[17]}", expected "${check}"`);
  return {
    valid: true,
    normalized: value,
    facts: {
      regionCode: value.slice(0, 6),
      birthDate,
      gender: Number(value[16]) % 2 === 1 ? 'male' : 'female',
      ...(upgradedFrom15 ? { upgradedFrom15 } : {}),
    },
    errors: [],
  };
}

/** Builds a valid number from region, birth date (YYYYMMDD) and sequence (fixtures, benchmarks). */
export function composeIdNumber(region: string, birth: string, sequence: number): string {
  const first17 = region + birth + String(sequence).padStart(3, '0');
  return first17 + idNumberCheck(first17);
}
