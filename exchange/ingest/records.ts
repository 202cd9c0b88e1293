import crypto from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { canonicalJson } from '../../contracts/canonical.ts';
import { type PointedError, pointedErrors } from '../ajv-errors.ts';
import { unsafeText, unsafeValues } from '../http/edge.ts';

/** A record that passed every check, ready to be compared with what is stored. */
export interface CheckedRecord {
  readonly index: number;
  readonly key: string;
  readonly op: 'upsert' | 'delete';
  readonly data: Record<string, unknown> | null;
  readonly sourceTime: Date;
  /** the data in canonical JSON: hashed, and stored as it is (computed once per record) */
  readonly json: string;
  readonly contentHash: string;
}

export interface RejectedRecord {
  readonly index: number;
  readonly key: string | null;
  readonly record: unknown;
  readonly errors: PointedError[];
  /** the record holds text PostgreSQL cannot keep, a non-finite number or too deep a nesting: quarantine keeps a safe copy */
  readonly unstorable?: true;
}

const envelopeFields = new Set(['op', 'key', 'data', 'sourceTime']);
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A source clock may run a little ahead of ours; more than this is a wrong time, not skew. */
const futureSkewMs = 5 * 60_000;

// crypto.hash (Node ≥ 20.12) is the one-shot form: about half the cost of createHash per record
const sha256: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(alg: string, data: string, enc: string): string }).hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function contentHash(data: unknown): string {
  return sha256(canonicalJson(data));
}

/** A record's data as stored and its content hash, from one canonical encoding. */
export function canonicalForm(data: Record<string, unknown> | null): { json: string; contentHash: string } {
  const json = canonicalJson(data);
  return { json, contentHash: sha256(json) };
}

/**
 * Checks one record of a batch: the envelope (op, key, sourceTime), then the data against the
 * dataset's contract, and that the data's key field holds the record key. Every problem is
 * reported, each at a JSON pointer into the record; nothing throws.
 */
export function checkRecord(
  raw: unknown,
  index: number,
  contract: {
    validate: ValidateFunction;
    keyField: string;
    normalizeKey?: ((key: string) => string) | undefined;
    /** checks beyond the schema (a registry source's fields, a certificate's signature) */
    extra?: ((data: Record<string, unknown>) => PointedError[]) | undefined;
  },
  now = Date.now(),
): CheckedRecord | RejectedRecord {
  // first what no store can keep (NUL, unpaired surrogates, 1e309, 5,000 levels of arrays):
  // such a record is rejected on its own, before any walker recurses into it
  const unsafe = unsafeValues(raw);
  if (unsafe.length > 0) {
    const rawKey = raw !== null && typeof raw === 'object' ? (raw as { key?: unknown }).key : undefined;
    const key = typeof rawKey === 'string' && rawKey.length > 0 && rawKey.length <= 200 && unsafeText(rawKey) === null ? (contract.normalizeKey?.(rawKey) ?? rawKey) : null;
    return { index, key, record: raw, errors: [...unsafe], unstorable: true };
  }
  const errors: PointedError[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { index, key: null, record: raw, errors: [{ pointer: '/', message: 'must be an object with op, key, data and sourceTime' }] };
  }
  const r = raw as Record<string, unknown>;
  for (const field of Object.keys(r)) {
    if (!envelopeFields.has(field)) errors.push({ pointer: `/${field}`, message: 'is not a field of a batch record' });
  }
  const normalize = contract.normalizeKey ?? ((k: string) => k);
  const key = typeof r.key === 'string' && r.key.length > 0 && r.key.length <= 200 ? normalize(r.key) : null;
  if (key === null) errors.push({ pointer: '/key', message: 'must be a string of 1 to 200 characters' });
  if (r.op !== 'upsert' && r.op !== 'delete') errors.push({ pointer: '/op', message: 'must be upsert or delete' });
  let sourceTime: Date | null = null;
  if (typeof r.sourceTime !== 'string' || !rfc3339.test(r.sourceTime) || Number.isNaN(Date.parse(r.sourceTime))) {
    errors.push({ pointer: '/sourceTime', message: 'must be a date-time such as 2026-11-22T09:30:00+08:00' });
  } else {
    sourceTime = new Date(r.sourceTime);
    if (sourceTime.getTime() > now + futureSkewMs) errors.push({ pointer: '/sourceTime', message: 'lies in the future' });
    // year 0000 is 1 BC in ISO 8601, before anything PostgreSQL's timestamps take
    else if (sourceTime.getUTCFullYear() < 1) errors.push({ pointer: '/sourceTime', message: 'lies before year 1' });
  }
  let data: Record<string, unknown> | null = null;
  if (r.op === 'upsert') {
    if (r.data === null || typeof r.data !== 'object' || Array.isArray(r.data)) {
      errors.push({ pointer: '/data', message: 'an upsert needs the record as an object' });
    } else {
      data = r.data as Record<string, unknown>;
      const keyValue = data[contract.keyField];
      if (contract.normalizeKey && typeof keyValue === 'string') {
        const normalized = normalize(keyValue);
        if (normalized !== keyValue) data = { ...data, [contract.keyField]: normalized };
      }
      if (!contract.validate(data)) errors.push(...pointedErrors(contract.validate.errors ?? [], data, '/data'));
      else if (contract.extra) errors.push(...contract.extra(data));
      const dataKey = data[contract.keyField];
      if (key !== null && typeof dataKey === 'string' && dataKey !== key) {
        errors.push({ pointer: `/data/${contract.keyField}`, message: `must equal the record key "${key}"` });
      }
    }
  } else if (r.op === 'delete' && r.data !== undefined && r.data !== null) {
    errors.push({ pointer: '/data', message: 'a delete carries no data' });
  }
  if (errors.length || key === null || sourceTime === null) return { index, key, record: raw, errors };
  return { index, key, op: r.op as 'upsert' | 'delete', data, sourceTime, ...canonicalForm(data) };
}

export function isRejected(r: CheckedRecord | RejectedRecord): r is RejectedRecord {
  return 'errors' in r;
}
