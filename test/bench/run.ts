/**
 * `npm run bench -- <name>`: runs test/bench/<name>.bench.ts, which prints a readable table and,
 * as its last line, one JSON object with at least `bench`, `ratio` (the measured path over its
 * same-run baseline) and the absolute figures.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <name>\nBenchmarks: ${available.join(', ')}`);
  process.exit(2);
}
const { bench } = (await import(`./${name}.bench.ts`)) as { bench: () => Promise<Record<string, unknown>> };
const result = await bench();
console.log(JSON.stringify({ bench: name, ...result }));
process.exit(0);
