import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { identifierFormats } from '../../registries/identifiers/formats.ts';
import { urlNumbersOutOfRange } from './edge.ts';

// ajv-formats is CommonJS: its plugin function is the module's `default` export
const ajvFormats = (ajvFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

/** PostgreSQL keeps years 1 to 294276 AD (and BC, which ISO 8601 spells year 0000 and below): brx takes 0001–9999. */
const yearInRange = (text: string) => !/^0000/.test(text);

function requestAjv(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes, addUsedSchema: false });
  ajvFormats(ajv);
  for (const name of ['date', 'date-time'] as const) {
    const base = ajv.formats[name] as { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined };
    ajv.addFormat(name, { type: 'string', validate: (s: string) => base.validate(s) && yearInRange(s), ...(base.compare ? { compare: base.compare } : {}) });
  }
  for (const [name, validate] of Object.entries(identifierFormats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

/**
 * Request validation with two ajv instances. Bodies are JSON and arrive typed: they are never
 * coerced (a `records` that is the string "none" is a 400, not a one-record list). Query
 * strings, path parameters and headers arrive as text and are coerced to the numbers and
 * booleans their schemas declare, and a coerced number must be finite and exact.
 */
function buildValidator(externalSchemas: Record<string, unknown>): FastifySchemaCompiler<AnySchema> {
  const body = requestAjv(false);
  const parts = requestAjv('array');
  for (const schema of Object.values(externalSchemas)) {
    body.addSchema(schema as AnySchema);
    parts.addSchema(schema as AnySchema);
  }
  const compile = (ajv: Ajv, schema: AnySchema): ValidateFunction => {
    const id = typeof schema === 'object' && schema !== null && '$id' in schema ? String(schema.$id) : undefined;
    return (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
  };
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return compile(body, schema);
    const validate = compile(parts, schema);
    const checked = ((data: unknown, context?: unknown) => {
      if (!(validate as (d: unknown, c?: unknown) => boolean)(data, context)) {
        checked.errors = validate.errors;
        return false;
      }
      const range = urlNumbersOutOfRange(data);
      checked.errors = range.length ? range.map((e) => ({ ...e, keyword: 'range', schemaPath: '#', params: {} })) : null;
      return range.length === 0;
    }) as ValidateFunction;
    // fastify hands ajv the parent object when the validator has a schema environment (root coercion)
    (checked as { schemaEnv?: unknown }).schemaEnv = validate.schemaEnv;
    return checked;
  };
}

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];
/** For `schemaController.compilersFactory.buildValidator` (fastify types the factory as ajv-compiler's pool). */
export const buildRequestValidator = buildValidator as unknown as ValidatorFactory;
