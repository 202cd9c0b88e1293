import type { ContractRow } from '../catalog/store.ts';

/** Identifier formats that name a person (公民身份号码) or an organisation (统一社会信用代码). */
const subjectFormats = new Set(['cn-id-number', 'cn-uscc']);

const pathsBySchema = new WeakMap<object, string[][]>();

/** Where a contract's records hold subject identifiers: paths of properties in those formats. */
function subjectPaths(schema: Record<string, unknown>): string[][] {
  let paths = pathsBySchema.get(schema);
  if (paths) return paths;
  paths = [];
  const walk = (node: Record<string, unknown>, at: string[]) => {
    if (typeof node.format === 'string' && subjectFormats.has(node.format)) paths!.push(at);
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (properties && at.length < 4) for (const [name, child] of Object.entries(properties)) walk(child, [...at, name]);
  };
  walk(schema, []);
  pathsBySchema.set(schema, paths);
  return paths;
}

/**
 * Whose data a record is: its key, and every ID number or credit code it holds (a certificate's
 * holder, a company's legal representative). The access log keeps these so each of those people
 * and companies finds the read in their access report.
 */
export function subjectKeysOf(key: string, data: Record<string, unknown> | null, contract: Pick<ContractRow, 'schema'>): string[] {
  const keys = new Set([key]);
  if (data) {
    for (const path of subjectPaths(contract.schema)) {
      let value: unknown = data;
      for (const step of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
      if (typeof value === 'string' && value) keys.add(value.toUpperCase());
    }
  }
  return [...keys];
}
