import type { FieldMeta } from '../../contracts/generated/api.ts';
import { mask, type MaskingRule } from './masking.ts';

/** A grant's view of a record: only the granted fields, the masked ones masked by their contract rule. */
export function project(
  data: Record<string, unknown> | null,
  grant: { fields: readonly string[]; masked_fields: readonly string[] },
  fields: Record<string, FieldMeta>,
): Record<string, unknown> | null {
  if (data === null) return null;
  const out: Record<string, unknown> = {};
  for (const field of grant.fields) {
    if (!(field in data)) continue;
    const value = grant.masked_fields.includes(field) ? mask((fields[field]?.masking ?? 'redact') as MaskingRule, data[field]) : data[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}
