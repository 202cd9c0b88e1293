import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import type { ContractCreate, FieldMeta } from '../../contracts/generated/api.ts';
import { identifierFormats, normalizeIdentifier } from '../../registries/identifiers/formats.ts';
import { type PointedError, pointedErrors } from '../ajv-errors.ts';

const ajvFormats = (ajvFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

/**
 * The validator of dataset records (JSON Schema draft-07). Strict about the schema itself — an
 * unknown keyword or format is refused when the contract is registered, not ignored while data
 * flows — and reports every error of a record at once.
 */
export function recordAjv(options: { strict?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: options.strict ?? true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
  });
  ajvFormats(ajv);
  for (const [name, validate] of Object.entries(identifierFormats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

const ajv = recordAjv();
const draft07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const strictness = { unconditional: 0, conditional: 1, none: 2 } as const;
type SharingType = keyof typeof strictness;

/** Every reason a contract cannot be registered, as pointers into the contract document. */
export function contractProblems(contract: ContractCreate, keyField: string, datasetSharing: SharingType): PointedError[] {
  const problems: PointedError[] = [];
  const schema = contract.schema as Record<string, unknown>;
  if (schema.type !== 'object') problems.push({ pointer: '/schema/type', message: 'a record schema must have type "object"' });
  // records are validated as draft-07: a schema written for another draft would mean something else
  if (schema.$schema !== undefined && !draft07.test(String(schema.$schema))) {
    problems.push({ pointer: '/schema/$schema', message: 'contracts are JSON Schema draft-07: use http://json-schema.org/draft-07/schema# or leave $schema out' });
    return problems;
  }
  if (!ajv.validateSchema(schema)) {
    problems.push(...pointedErrors(ajv.errors ?? [], schema, '/schema').map((e) => ({ ...e, message: `is not valid JSON Schema: ${e.message}` })));
    return problems;
  }
  try {
    ajv.compile(schema);
  } catch (error) {
    problems.push({ pointer: '/schema', message: `cannot be used: ${(error as Error).message}` });
    return problems;
  }
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = (schema.required ?? []) as string[];
  const key = properties[keyField];
  if (!key) problems.push({ pointer: '/schema/properties', message: `must define the key field "${keyField}"` });
  else if (key.type !== 'string') problems.push({ pointer: `/schema/properties/${keyField}/type`, message: 'the key field must be a string' });
  if (!required.includes(keyField)) problems.push({ pointer: '/schema/required', message: `must list the key field "${keyField}"` });
  const fields = contract.fields as Record<string, FieldMeta>;
  for (const name of Object.keys(properties)) {
    if (!fields[name]) problems.push({ pointer: `/fields/${name}`, message: 'every field needs its catalog entry (title, sensitivity, …)' });
  }
  for (const [name, meta] of Object.entries(fields)) {
    if (!properties[name]) problems.push({ pointer: `/fields/${name}`, message: `describes "${name}", which the schema does not define` });
    if (meta.sharingType && strictness[meta.sharingType] < strictness[datasetSharing]) {
      problems.push({
        pointer: `/fields/${name}/sharingType`,
        message: `may only be stricter than the dataset's sharing type (${datasetSharing})`,
      });
    }
  }
  return problems;
}

const compiled = new Map<string, ValidateFunction>();

/**
 * The compiled validator of one contract version, compiled once per process. `partial` (registry
 * contributions: each source sends only its fields) requires nothing but the key field.
 */
export function recordValidator(datasetId: string, version: string, schema: object, partial?: { keyField: string }): ValidateFunction {
  const cacheKey = `${datasetId}@${version}${partial ? '/partial' : ''}`;
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(partial ? { ...schema, required: [partial.keyField] } : schema);
    compiled.set(cacheKey, validate);
  }
  return validate;
}

/** The identifier format of the key field (cn-id-number, cn-uscc, …), if it has one. */
export function keyFormat(schema: object, keyField: string): string | undefined {
  const format = (schema as { properties?: Record<string, { format?: string }> }).properties?.[keyField]?.format;
  return format && format in identifierFormats ? format : undefined;
}

/** When the key field holds an identifier, keys are compared in its canonical form. */
export function keyNormalizer(schema: object, keyField: string): ((key: string) => string) | undefined {
  const format = keyFormat(schema, keyField);
  return format ? (key) => normalizeIdentifier(format, key) : undefined;
}
