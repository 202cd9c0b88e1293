import type { FastifyRequest } from 'fastify';
import { type FieldError, invalid } from '../errors.ts';

/**
 * What the exchange refuses at its edge, before any route or store sees it: text PostgreSQL
 * cannot keep (NUL, and UTF-16 surrogates without their pair, which no UTF-8 can spell),
 * numbers no column can hold (1e309 parses as Infinity), and JSON nested deeper than any
 * contract needs (a deep value costs stack in every walker after this one).
 */

/** Deepest JSON nesting a request body or a batch record may have (objects and arrays count). */
export const maxDepth = 64;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for
const unsafeChar = /[\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for
const unsafeChars = /[\u0000]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// String.prototype.isWellFormed (every Node brx supports): TypeScript's library here predates it
const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Why a text cannot be stored, or null when it can. */
export function unsafeText(text: string): string | null {
  // the common case, natively: well-formed UTF-16 without NUL
  if (wellFormed(text) && !text.includes('\u0000')) return null;
  const m = unsafeChar.exec(text);
  if (!m) return null;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000)' : `contains an unpaired surrogate (${escapeChar(m[0])})`;
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The text with what cannot be stored spelled as visible escapes (\u0000), so it can be shown and kept. */
export function visible(text: string): string {
  return text.replace(unsafeChars, escapeChar);
}

/** A JSON pointer segment (RFC 6901), its unstorable characters made visible. */
export function pointerSegment(key: string | number): string {
  return visible(String(key).replace(/~/g, '~0').replace(/\//g, '~1'));
}

export interface UnsafeValue {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Walks a parsed JSON value without recursion (a hostile depth cannot overflow the stack) and
 * returns every key and string that cannot be stored, every non-finite number, and the first
 * place nested deeper than `depthLimit`. `skip` names pointers whose contents are checked elsewhere.
 */
export function unsafeValues(root: unknown, options: { prefix?: string; depthLimit?: number; skip?: (pointer: string) => boolean; max?: number } = {}): UnsafeValue[] {
  const { prefix = '', depthLimit = maxDepth, skip, max = 20 } = options;
  const found: UnsafeValue[] = [];
  let tooDeep = false;
  // a place is its parent and its name: the pointer is spelled only where something is found
  // (ingest walks every field of every record, and nearly all are fine)
  type Place = { readonly value: unknown; readonly up: Place | null; readonly name: string; readonly depth: number };
  const pointerOf = (place: Place): string => {
    let pointer = '';
    for (let p: Place | null = place; p?.up; p = p.up) pointer = `/${pointerSegment(p.name)}${pointer}`;
    return prefix + pointer || '/';
  };
  const stack: Place[] = [{ value: root, up: null, name: '', depth: 0 }];
  while (stack.length > 0 && found.length < max) {
    const place = stack.pop()!;
    const { value, depth } = place;
    if (typeof value === 'string') {
      const why = unsafeText(value);
      if (why) found.push({ pointer: pointerOf(place), message: why });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) found.push({ pointer: pointerOf(place), message: 'is a number beyond the range of a double' });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= depthLimit) {
        if (!tooDeep) found.push({ pointer: pointerOf(place), message: `nests deeper than ${depthLimit} levels` });
        tooDeep = true;
        continue;
      }
      const isArray = Array.isArray(value);
      const names = isArray ? null : Object.keys(value);
      for (let i = (names ?? (value as unknown[])).length - 1; i >= 0; i--) {
        const name = names ? names[i]! : String(i);
        const child: Place = { value: names ? (value as Record<string, unknown>)[name] : (value as unknown[])[i], up: place, name, depth: depth + 1 };
        if (names) {
          const why = unsafeText(name);
          if (why) found.push({ pointer: pointerOf(child), message: `field name ${why}` });
        }
        if (!skip?.(pointerOf(child))) stack.push(child);
      }
    }
  }
  return found;
}

/**
 * A copy of a value that PostgreSQL can store as jsonb: unstorable characters in keys and
 * strings become visible escapes (\u0000), non-finite numbers become null, and anything nested
 * deeper than the limit is replaced by a note. Used for records kept in quarantine.
 */
export function storable(value: unknown, depthLimit = maxDepth, depth = 0): unknown {
  if (typeof value === 'string') return unsafeChar.test(value) ? visible(value) : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= depthLimit) return `(nested deeper than ${depthLimit} levels: not kept)`;
  if (Array.isArray(value)) return value.map((v) => storable(v, depthLimit, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[unsafeChar.test(k) ? visible(k) : k] = storable(v, depthLimit, depth + 1);
  return out;
}

/** Route option (`config.checkedByHandler`): body pointers whose contents the handler checks itself. */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** body fields checked item by item by the handler (a batch's records), e.g. ['/records'] */
    checkedByHandler?: readonly string[];
  }
}

/**
 * The edge check, as a preValidation hook: path parameters, query parameters, header values and
 * the parsed body. A refusal is a 400 naming every offending place.
 */
export async function refuseUnsafeInput(request: FastifyRequest): Promise<void> {
  const errors: FieldError[] = [];
  const parts: [FieldError['in'], unknown][] = [
    ['params', request.params],
    ['query', request.query],
    ['headers', request.headers],
  ];
  for (const [where, value] of parts) {
    for (const e of unsafeValues(value, { depthLimit: 4 })) errors.push({ in: where, ...e });
  }
  const own = request.routeOptions.config?.checkedByHandler;
  const skip = own?.length ? (pointer: string) => own.some((p) => pointer.startsWith(`${p}/`)) : undefined;
  for (const e of unsafeValues(request.body, skip ? { skip } : {})) errors.push({ in: 'body', ...e });
  if (errors.length > 0) {
    throw invalid(`${errors.length} value(s) in the request cannot be accepted`, errors);
  }
}

/**
 * A number read from the URL (a query or path parameter, coerced by the schema) must be finite
 * and, when whole, exactly representable: "Infinity" and "1e309" pass ajv's range checks, and
 * 9223372036854775807 arrives rounded past what PostgreSQL's bigint holds.
 */
export function urlNumbersOutOfRange(data: unknown): { instancePath: string; message: string }[] {
  if (data === null || typeof data !== 'object') return [];
  const out: { instancePath: string; message: string }[] = [];
  for (const [key, value] of Object.entries(data)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'number' && (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))) {
        out.push({ instancePath: `/${pointerSegment(key)}`, message: 'is out of range' });
        break;
      }
    }
  }
  return out;
}
