import { canonicalJson } from '../contracts/canonical.ts';

/** One department's latest version of a registry record. */
export interface Contribution {
  readonly department: string;
  readonly data: Readonly<Record<string, unknown>> | null;
  readonly sourceTime: Date;
  readonly batchId: string;
}

/** Per field, department ids in order of authority; "*" ranks the fields not named. */
export type MergeRules = Readonly<Record<string, readonly string[]>>;

export interface FieldSource {
  readonly department: string;
  readonly batch: string;
  readonly sourceTime: string;
}

export interface Conflict {
  readonly field: string;
  readonly values: readonly { department: string; value: unknown; sourceTime: string }[];
}

export interface GoldenRecord {
  /** null when no source holds the record any more */
  readonly data: Record<string, unknown> | null;
  readonly provenance: Record<string, FieldSource>;
  readonly conflicts: Conflict[];
  /** the newest source time among the fields chosen */
  readonly sourceTime: Date | null;
}

function rank(rules: MergeRules, field: string, department: string): number {
  const order = rules[field] ?? rules['*'] ?? [];
  const i = order.indexOf(department);
  return i < 0 ? order.length : i;
}

/**
 * The golden record: each field from the most authoritative contribution that has it, ties
 * broken by the newest source time (then by department id, so the result never depends on
 * order). When contributions of equal authority disagree, the newest still wins but the record
 * gets a conflict listing every value: nothing is silently overwritten.
 */
export function mergeContributions(key: string, keyField: string, contributions: readonly Contribution[], rules: MergeRules): GoldenRecord {
  const live = contributions.filter((c) => c.data !== null);
  if (live.length === 0) return { data: null, provenance: {}, conflicts: [], sourceTime: null };
  const fields = new Set<string>();
  for (const c of live) for (const f of Object.keys(c.data!)) if (c.data![f] !== undefined) fields.add(f);
  const data: Record<string, unknown> = {};
  const provenance: Record<string, FieldSource> = {};
  const conflicts: Conflict[] = [];
  let newest: Date | null = null;
  // hot (a registry load merges every changed key): one pass per field, no sorting unless tied
  for (const field of [...fields].sort()) {
    let best = Number.POSITIVE_INFINITY;
    let top: Contribution[] = [];
    for (const c of live) {
      if (c.data![field] === undefined) continue;
      const r = rank(rules, field, c.department);
      if (r < best) {
        best = r;
        top = [c];
      } else if (r === best) top.push(c);
    }
    if (top.length > 1) top.sort((a, b) => b.sourceTime.getTime() - a.sourceTime.getTime() || a.department.localeCompare(b.department));
    const winner = top[0]!;
    const value = winner.data![field];
    data[field] = value;
    provenance[field] = { department: winner.department, batch: winner.batchId, sourceTime: winner.sourceTime.toISOString() };
    if (!newest || winner.sourceTime > newest) newest = winner.sourceTime;
    if (top.length > 1 && top.some((c) => !sameValue(c.data![field], value))) {
      conflicts.push({
        field,
        values: top.map((c) => ({ department: c.department, value: c.data![field], sourceTime: c.sourceTime.toISOString() })),
      });
    }
  }
  data[keyField] = key;
  return { data, provenance, conflicts, sourceTime: newest };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && canonicalJson(a) === canonicalJson(b);
}

/**
 * Provenance as stored with a golden record: grouped by source, so each department, batch and
 * time is written once rather than once per field (a third of the size for a typical person).
 */
export type StoredProvenance = Record<string, { batch: string; sourceTime: string; fields: string[] }>;

export function compactProvenance(p: Readonly<Record<string, FieldSource>>): StoredProvenance {
  const out: StoredProvenance = {};
  for (const [field, s] of Object.entries(p)) {
    const key = `${s.department}|${s.batch}|${s.sourceTime}`;
    out[key] ??= { batch: s.batch, sourceTime: s.sourceTime, fields: [] };
    out[key]!.fields.push(field);
  }
  return out;
}

export function expandProvenance(stored: StoredProvenance): Record<string, FieldSource> {
  const out: Record<string, FieldSource> = {};
  for (const [key, s] of Object.entries(stored)) {
    const department = key.split('|')[0]!;
    for (const field of s.fields) out[field] = { department, batch: s.batch, sourceTime: s.sourceTime };
  }
  return out;
}
