/** A registry's record contract: JSON Schema of a golden record plus the catalog entry of each field. */
export interface RegistryContract {
  readonly keyField: string;
  readonly schema: Record<string, unknown>;
  readonly fields: Record<string, { title: string; sensitivity: string; masking?: string; searchable?: boolean; sharingType?: string; dataElement?: string }>;
}

export type RegistryKind = 'population' | 'legal-person' | 'certificate';
