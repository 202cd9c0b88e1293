import type { IdentifierResult } from './result.ts';
import { validateUscc } from './uscc.ts';

/**
 * Custom JSON Schema formats backed by the identifier validators (`ajv.addFormat`). Contracts,
 * ingest and the adapter all validate through these, so a check character is checked the same
 * way everywhere, and a failure says which rule failed.
 */
const validators: Record<string, (value: string) => IdentifierResult<unknown>> = {
  'cn-uscc': validateUscc,
};

export const identifierFormats: Record<string, (value: string) => boolean> = Object.fromEntries(
  Object.entries(validators).map(([name, validate]) => [name, (v: string) => validate(v).valid]),
);

/** Why a value fails an identifier format, in plain words; undefined for other formats. */
export function identifierDetail(format: string, value: string): string | undefined {
  const result = validators[format]?.(value);
  const first = result?.errors[0];
  return first ? `is not a valid ${format}: ${first.message}` : undefined;
}
