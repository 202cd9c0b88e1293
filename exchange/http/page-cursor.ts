import { invalid } from '../errors.ts';
import { unsafeText } from './edge.ts';

/**
 * The `cursor` of the list routes: the last row's sort key, as base64url JSON of a tuple. A
 * cursor is the caller's input like any other: it is decoded in this one place, against the
 * shape its route expects, and anything else — forged, truncated, of another route — is a 400
 * naming `cursor`, never a value handed to the database. (Cursors into a dataset's records
 * hide a key the caller may not see and are sealed instead: delivery/cursor.ts.)
 */
type Part = 'uuid' | 'int' | 'time' | 'text';
type Value<P extends Part> = P extends 'int' ? number : string;
export type Decoded<S extends readonly Part[]> = { [K in keyof S]: Value<S[K]> };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

function partOk(kind: Part, v: unknown): boolean {
  switch (kind) {
    case 'uuid':
      return typeof v === 'string' && uuid.test(v);
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'time': {
      if (typeof v !== 'string' || !isoTime.test(v) || v.startsWith('0000')) return false;
      return !Number.isNaN(Date.parse(v));
    }
    case 'text':
      return typeof v === 'string' && v.length > 0 && v.length <= 200 && unsafeText(v) === null;
  }
}

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The cursor's parts, typed by `shape`; undefined when there is no cursor; a 400 when it is not one brx gave out. */
export function decodeCursor<const S extends readonly Part[]>(cursor: string | undefined, shape: S, parameter = 'cursor'): Decoded<S> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parts: unknown;
  if (cursor.length <= 1000 && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      parts = undefined;
    }
  }
  if (Array.isArray(parts) && parts.length === shape.length && shape.every((kind, i) => partOk(kind, parts[i]))) {
    return parts as Decoded<S>;
  }
  throw invalid('The cursor is not one brx gave out', [{ in: 'query', pointer: `/${parameter}`, message: 'pass back nextCursor exactly as received' }]);
}

/** `{ after }` for a store's filter when there is a position, nothing otherwise. */
export function after<T>(position: T | undefined): { after: T } | Record<string, never> {
  return position === undefined ? {} : { after: position };
}
