/**
 * Generates contracts/generated/api.ts from contracts/api/*.json (json-schema-to-typescript).
 * `--check` fails when the committed types are stale, so a schema change cannot land without them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { apiSchemas, type NamedSchema } from '../contracts/index.ts';

const target = fileURLToPath(new URL('../contracts/generated/api.ts', import.meta.url));

/** One document whose definitions are all API schemas, with `Name#` refs made local. */
function combined(schemas: readonly NamedSchema[]): Record<string, unknown> {
  const localise = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(localise);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        if (k === '$id') continue;
        out[k] = k === '$ref' && typeof v === 'string' && v.endsWith('#') ? `#/definitions/${v.slice(0, -1)}` : localise(v);
      }
      return out;
    }
    return node;
  };
  return {
    title: 'BrxApi',
    type: 'object',
    additionalProperties: false,
    definitions: Object.fromEntries(schemas.map((s) => [s.$id, localise(s)])),
  };
}

export async function generateApiTypes(): Promise<string> {
  const ts = await compile(combined(apiSchemas) as never, 'BrxApi', {
    bannerComment:
      '/* Generated from contracts/api/*.json by `npm run contracts`. Do not edit: change the schema and regenerate. */',
    unreachableDefinitions: true,
    additionalProperties: false,
    strictIndexSignatures: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  // the wrapper type exists only to carry the definitions
  return ts.replace(/export interface BrxApi \{\}\n?/, '');
}

const check = process.argv.includes('--check');
const fresh = await generateApiTypes();
if (check) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== fresh) {
    console.error('contracts/generated/api.ts is stale: run `npm run contracts` and commit the result');
    process.exit(1);
  }
  console.log('contracts: generated types are current');
} else {
  writeFileSync(target, fresh);
  console.log(`contracts: wrote ${target} (${apiSchemas.length} schemas)`);
}
