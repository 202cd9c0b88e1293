import { administrativePrefix } from '../../registries/identifiers/region.ts';

/**
 * Masking rules of contract fields, applied when a grant gives a field in masked form:
 *   id-number 110105********002X · name 张* · phone 138****1234 · address to district level ·
 *   redact (removed) · none.
 */
export type MaskingRule = 'id-number' | 'name' | 'phone' | 'address' | 'redact' | 'none';


export function mask(rule: MaskingRule, value: unknown): unknown {
  if (value === null || value === undefined || rule === 'none') return value;
  if (rule === 'redact') return undefined;
  if (typeof value !== 'string') return undefined; // only text can be partly shown
  const chars = [...value];
  switch (rule) {
    case 'id-number':
      return chars.length < 8 ? '*'.repeat(chars.length) : chars.slice(0, 6).join('') + '*'.repeat(chars.length - 10) + chars.slice(-4).join('');
    case 'name':
      return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
    case 'phone':
      return chars.length < 7 ? '*'.repeat(chars.length) : chars.slice(0, 3).join('') + '*'.repeat(chars.length - 7) + chars.slice(-4).join('');
    case 'address':
      // only the divisions the GB/T 2260 table knows; an address that does not start with one shows nothing
      return administrativePrefix(value) ?? undefined;
  }
}
