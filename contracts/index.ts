import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A JSON Schema with an `$id`; API schemas reference each other as `{ "$ref": "Name#" }`. */
export interface NamedSchema {
  readonly $id: string;
  readonly [keyword: string]: unknown;
}

function loadDir(dir: string): NamedSchema[] {
  const path = fileURLToPath(new URL(dir, import.meta.url));
  return readdirSync(path)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const schema = JSON.parse(readFileSync(`${path}/${f}`, 'utf8')) as NamedSchema;
      if (schema.$id !== f.replace(/\.json$/, '')) throw new Error(`contracts/${dir}${f}: $id must equal the file name`);
      return schema;
    });
}

/** The request and response shapes of the HTTP API: validation, types and OpenAPI come from these. */
export const apiSchemas: readonly NamedSchema[] = Object.freeze(loadDir('./api/'));

/** The front-end node's configuration (node.yaml): validation and types come from these. */
export const nodeSchemas: readonly NamedSchema[] = Object.freeze(loadDir('./node/'));
