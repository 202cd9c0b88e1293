import type { FieldMapping, RecordMapping, Transform } from '../../contracts/generated/node.ts';

/** One source row: column → text (files) or value (databases). */
export type Row = Readonly<Record<string, unknown>>;

export interface Mapped {
  readonly op: 'upsert' | 'delete';
  readonly data: Record<string, unknown>;
  readonly sourceTime: string | null;
}

/** A value a transform could not handle, at the field it was meant for. */
export interface MappingProblem {
  readonly field: string;
  readonly message: string;
}

/** 全角 → 半角: full-width ASCII (U+FF01–FF5E) and the ideographic space, as people type them in Chinese input methods. */
export function halfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

const dateLayouts: Record<string, RegExp> = {
  YYYYMMDD: /^(\d{4})(\d{2})(\d{2})$/,
  'YYYY/MM/DD': /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  'YYYY-MM-DD': /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  'YYYY.MM.DD': /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/,
  'YYYY年MM月DD日': /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
};

function applyTransform(value: unknown, t: Transform): unknown {
  if (value === null || value === undefined) return value;
  if (typeof t === 'string') {
    const text = String(value);
    switch (t) {
      case 'trim':
        return text.trim();
      case 'halfwidth':
        return halfWidth(text);
      case 'upper':
        return text.toUpperCase();
      case 'lower':
        return text.toLowerCase();
    }
  }
  if ('date' in t) {
    const m = dateLayouts[t.date]!.exec(String(value).trim());
    if (!m) throw new Error(`"${value}" is not a date laid out as ${t.date}`);
    return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  }
  const code = t.codes[String(value)];
  if (code === undefined) throw new Error(`"${value}" is not in the code table (${Object.keys(t.codes).join(', ')})`);
  return code;
}

function typed(value: unknown, type: FieldMapping['type']): unknown {
  if (value === null || value === undefined || typeof value !== 'string' || type === 'string' || type === undefined) return value;
  if (value.trim() === '') return null;
  if (type === 'boolean') {
    if (/^(true|1|是|y)$/i.test(value.trim())) return true;
    if (/^(false|0|否|n)$/i.test(value.trim())) return false;
    throw new Error(`"${value}" is not a yes/no value`);
  }
  const n = Number(value.trim());
  if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) throw new Error(`"${value}" is not ${type === 'integer' ? 'an integer' : 'a number'}`);
  return n;
}

/**
 * Maps one row onto a record of the contract: each field from its column (or a constant), typed,
 * then transformed in order. Empty text from a file is an absent value (so optional fields stay
 * absent rather than ""). Every problem of the row is reported, not only the first.
 */
export function mapRow(row: Row, mapping: RecordMapping | undefined): { mapped: Mapped | null; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const data: Record<string, unknown> = {};
  const fields: Record<string, FieldMapping | undefined> = mapping?.fields ?? Object.fromEntries(Object.keys(row).map((c) => [c, { from: c }]));
  for (const [field, spec] of Object.entries(fields)) {
    if (!spec) continue;
    let value = 'constant' in spec ? spec.constant : row[spec.from ?? field];
    try {
      value = typed(value, spec.type);
      for (const t of spec.transforms ?? []) value = applyTransform(value, t);
    } catch (error) {
      problems.push({ field, message: (error as Error).message });
      continue;
    }
    if (value !== undefined && value !== null && value !== '') data[field] = value;
  }
  const flag = mapping?.deleteWhen;
  const op = flag?.values.includes(String(row[flag.field] ?? '')) ? 'delete' : 'upsert';
  const time = mapping?.sourceTimeField ? row[mapping.sourceTimeField] : undefined;
  let sourceTime: string | null = null;
  if (time !== undefined && time !== null && time !== '') {
    // a database time without a zone (timestamp, DATETIME) is China's time, as departments keep it
    const text = String(time).trim();
    const parsed = time instanceof Date ? time : new Date(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}+08:00` : text);
    if (Number.isNaN(parsed.getTime())) problems.push({ field: mapping!.sourceTimeField!, message: `"${time}" is not a date-time` });
    else sourceTime = parsed.toISOString();
  }
  return { mapped: problems.length ? null : { op, data, sourceTime }, problems };
}
