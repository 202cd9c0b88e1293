import type { ErrorObject } from 'ajv';
import { identifierDetail } from '../registries/identifiers/formats.ts';

/** One ajv error in plain words, at a JSON pointer into the validated value. */
export interface PointedError {
  readonly pointer: string;
  readonly message: string;
}

function message(e: ErrorObject, value: unknown): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `must be ${String(e.params.type).replace(',', ' or ')}`;
    case 'format': {
      // identifier formats say which rule failed (check character, region, birth date…)
      const detail = typeof value === 'string' ? identifierDetail(String(e.params.format), value) : undefined;
      return detail ?? `is not a valid ${String(e.params.format)}`;
    }
    default:
      return e.message ?? 'is not valid';
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** ajv's errors as pointers (prefixed, e.g. `/data`) with messages a data officer can act on. */
export function pointedErrors(errors: readonly ErrorObject[], root: unknown, prefix = ''): PointedError[] {
  return errors.map((e) => {
    let pointer = e.instancePath;
    if (e.keyword === 'required') pointer += `/${String(e.params.missingProperty)}`;
    if (e.keyword === 'additionalProperties') pointer += `/${String(e.params.additionalProperty)}`;
    return { pointer: prefix + pointer || '/', message: message(e, valueAt(root, e.instancePath)) };
  });
}
