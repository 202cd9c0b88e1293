import { validateUscc } from './uscc.ts';

/**
 * Custom JSON Schema formats backed by the identifier validators, for ajv (`ajv.addFormat`).
 * Contracts, ingest and the adapter all validate through these, so a check character is
 * checked the same way everywhere.
 */
export const identifierFormats: Record<string, (value: string) => boolean> = {
  'cn-uscc': (v) => validateUscc(v).valid,
};
