/**
 * Generates contracts/generated/api.ts from contracts/api/*.json and contracts/generated/node.ts
 * from contracts/node/*.json (json-schema-to-typescript). `--check` fails when the committed types
 * are stale, so a schema change cannot land without them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { apiSchemas, type NamedSchema, nodeSchemas } from '../contracts/index.ts';


/** One document whose definitions are all API schemas, with `Name#` refs made local. */
function combined(schemas: readonly NamedSchema[], title: string): Record<string, unknown> {
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
    title,
    type: 'object',
    additionalProperties: false,
    definitions: Object.fromEntries(schemas.map((s) => [s.$id, localise(s)])),
  };
}

export async function generateTypes(schemas: readonly NamedSchema[], title: string, source: string): Promise<string> {
  const ts = await compile(combined(schemas, title) as never, title, {
    bannerComment: `/* Generated from ${source} by \`npm run contracts\`. Do not edit: change the schema and regenerate. */`,
    unreachableDefinitions: true,
    additionalProperties: false,
    strictIndexSignatures: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  // the wrapper type exists only to carry the definitions
  return ts.replace(new RegExp(`export interface ${title} \\{\\}\\n?`), '');
}

const targets = [
  { file: '../contracts/generated/api.ts', schemas: apiSchemas, title: 'BrxApi', source: 'contracts/api/*.json' },
  { file: '../contracts/generated/node.ts', schemas: nodeSchemas, title: 'BrxNode', source: 'contracts/node/*.json' },
];
const check = process.argv.includes('--check');
let stale = false;
for (const t of targets) {
  const target = fileURLToPath(new URL(t.file, import.meta.url));
  const fresh = await generateTypes(t.schemas, t.title, t.source);
  if (!check) {
    writeFileSync(target, fresh);
    continue;
  }
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== fresh) {
    console.error(`${t.file.slice(3)} is stale: run \`npm run contracts\` and commit the result`);
    stale = true;
  }
}
if (stale) process.exit(1);
console.log(check ? 'contracts: generated types are current' : 'contracts: types generated');
