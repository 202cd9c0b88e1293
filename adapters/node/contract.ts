import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import type { Dataset } from '../../contracts/generated/api.ts';
import { identifierFormats } from '../../registries/identifiers/formats.ts';

// ajv-formats is CommonJS: its plugin function is the module's `default` export
const ajvFormats = (ajvFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

/**
 * A dataset's contract as the node checks records before sending them: the same JSON Schema the
 * exchange validates with, the same identifier checks (check characters included), so a row the
 * exchange would reject is reported here and never sent.
 */
export interface ContractCheck {
  readonly version: string;
  readonly keyField: string;
  check(data: Record<string, unknown>): { pointer: string; message: string }[];
}

export function contractCheck(dataset: Dataset): ContractCheck {
  if (!dataset.contract) throw new Error(`dataset ${dataset.code} has no contract yet`);
  const ajv = ajvFormats(new Ajv({ allErrors: true, strict: false }));
  for (const [name, validate] of Object.entries(identifierFormats)) ajv.addFormat(name, { type: 'string', validate });
  const validate: ValidateFunction = ajv.compile(dataset.contract.schema);
  return {
    version: dataset.contract.version,
    keyField: dataset.keyField,
    check(data) {
      if (validate(data)) return [];
      return (validate.errors ?? []).map((e) => ({
        pointer: e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath || '/',
        message: e.keyword === 'required' ? 'is missing' : e.keyword === 'format' ? `is not a valid ${e.params.format}` : (e.message ?? 'is not valid'),
      }));
    },
  };
}
