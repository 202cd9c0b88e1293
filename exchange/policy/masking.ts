import { administrativePrefix } from '../../registries/identifiers/region.ts';

/**
 * Masking rules of contract fields, applied when a grant gives a field in masked form:
 *   id-number 110105********002X · name 张* · phone 138****1234 · address to district level ·
 *   redact (removed) · none.
 */
export type MaskingRule = 'id-number' | 'name' | 'phone' | 'address' | 'redact' | 'none';

/**
 * Total: any value of any length or type gives a masked value or nothing (undefined), never an
 * error and never the value in clear. A value too short for the rule's visible parts is starred
 * whole (an 8-character "ID number" must not come out as 6 + 4 characters of itself); a value
 * that is not text cannot be partly shown and is left out.
 */
export function mask(rule: MaskingRule, value: unknown): unknown {
  if (rule === 'none') return value;
  if (rule === 'redact' || typeof value !== 'string') return undefined;
  const chars = [...value];
  if (chars.length === 0) return undefined;
  switch (rule) {
    case 'id-number':
      // 15- and 18-character numbers show region and check part, at least 5 characters hidden
      return chars.length >= 15 ? keepEnds(chars, 6, 4) : stars(chars.length);
    case 'name':
      return chars.length === 1 ? '*' : chars[0] + stars(chars.length - 1);
    case 'phone':
      return chars.length >= 11 ? keepEnds(chars, 3, 4) : stars(chars.length);
    case 'address': {
      // only the divisions the GB/T 2260 table knows; an address that does not start with one
      // shows nothing, and one that is nothing but divisions has no detail to hide
      const prefix = administrativePrefix(value);
      return prefix && prefix !== value ? prefix : undefined;
    }
    default:
      return undefined; // a rule this version does not know hides the value
  }
}

const stars = (n: number) => '*'.repeat(n);
const keepEnds = (chars: string[], head: number, tail: number) => chars.slice(0, head).join('') + stars(chars.length - head - tail) + chars.slice(-tail).join('');
