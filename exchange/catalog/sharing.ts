import type { SharingType } from '../db/schema.ts';

const strictness: Record<SharingType, number> = { unconditional: 0, conditional: 1, none: 2 };

/**
 * The sharing type that applies to one field: the dataset's, unless the field narrows it. A field
 * may only be stricter than its dataset; should the dataset later be made stricter than a field's
 * own narrowing, the dataset's wins — a field is never shared more openly than its dataset.
 */
export function effectiveSharing(dataset: SharingType, field: SharingType | undefined): SharingType {
  return field && strictness[field] > strictness[dataset] ? field : dataset;
}
