/**
 * Is a new record schema backward compatible with the old one — will every record valid under
 * the old schema still be valid, and will consumers still find every field they had? Compatible:
 * adding optional fields, widening enums and types, loosening constraints. Anything else is a
 * break, reported with a JSON pointer into the schema and what it breaks. Keywords brx cannot
 * reason about count as breaks when they change (conservative: a false alarm costs a major
 * version; a missed break costs consumers their integration).
 */
export interface Break {
  readonly pointer: string;
  readonly message: string;
}

type Schema = Record<string, unknown>;

const asSchema = (v: unknown): Schema | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : undefined;

function types(s: Schema): Set<string> | null {
  const t = s.type;
  if (t === undefined) return null; // any type
  const list = Array.isArray(t) ? (t as string[]) : [t as string];
  // an integer is a number, so number accepts whatever integer did
  return new Set(list);
}

function typeAccepts(newTypes: Set<string> | null, oldType: string): boolean {
  if (newTypes === null) return true;
  return newTypes.has(oldType) || (oldType === 'integer' && newTypes.has('number'));
}

const lowerBounds = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const upperBounds = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;
/** keywords that describe rather than constrain: free to change */
const annotations = new Set(['title', 'description', 'examples', 'default', '$comment', 'deprecated', 'readOnly', 'writeOnly', '$schema', '$id']);
const handled = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'enum', 'const', 'format', 'pattern', 'items',
  ...lowerBounds, ...upperBounds,
]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function compatibilityBreaks(oldSchema: unknown, newSchema: unknown, pointer = ''): Break[] {
  const breaks: Break[] = [];
  const add = (at: string, message: string) => breaks.push({ pointer: at || '/', message });
  const o = asSchema(oldSchema) ?? {};
  const n = asSchema(newSchema) ?? {};

  const oldTypes = types(o);
  const newTypes = types(n);
  if (oldTypes === null && newTypes !== null) add(`${pointer}/type`, `now restricted to ${[...newTypes].join(', ')}`);
  for (const t of oldTypes ?? []) {
    if (!typeAccepts(newTypes, t)) add(`${pointer}/type`, `no longer accepts ${t}`);
  }

  if (Array.isArray(o.enum) || Array.isArray(n.enum)) {
    if (!Array.isArray(n.enum)) {
      // dropping the enum widens it
    } else if (!Array.isArray(o.enum)) {
      add(`${pointer}/enum`, `now limited to ${n.enum.map(String).join(', ')}`);
    } else {
      const allowed = n.enum as unknown[];
      const removed = o.enum.filter((v) => !allowed.some((w) => same(v, w)));
      if (removed.length) add(`${pointer}/enum`, `no longer allows ${removed.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }
  if ('const' in n && !same(o.const, n.const)) add(`${pointer}/const`, `now must equal ${JSON.stringify(n.const)}`);
  if (n.format !== undefined && n.format !== o.format) {
    add(`${pointer}/format`, o.format === undefined ? `now must be a ${String(n.format)}` : `changed from ${String(o.format)} to ${String(n.format)}`);
  }
  if (n.pattern !== undefined && n.pattern !== o.pattern) add(`${pointer}/pattern`, `now must match ${String(n.pattern)}`);

  for (const k of lowerBounds) {
    const a = o[k] as number | undefined;
    const b = n[k] as number | undefined;
    if (b !== undefined && (a === undefined || b > a)) add(`${pointer}/${k}`, `raised from ${a ?? 'none'} to ${b}`);
  }
  for (const k of upperBounds) {
    const a = o[k] as number | undefined;
    const b = n[k] as number | undefined;
    if (b !== undefined && (a === undefined || b < a)) add(`${pointer}/${k}`, `lowered from ${a ?? 'none'} to ${b}`);
  }

  // objects: no field may disappear, none may become required, each must stay compatible
  const oldProps = asSchema(o.properties) ?? {};
  const newProps = asSchema(n.properties) ?? {};
  for (const [name, oldProp] of Object.entries(oldProps)) {
    if (!(name in newProps)) add(`${pointer}/properties/${name}`, `field "${name}" was removed`);
    else breaks.push(...compatibilityBreaks(oldProp, newProps[name], `${pointer}/properties/${name}`));
  }
  const oldRequired = new Set((o.required as string[] | undefined) ?? []);
  for (const name of (n.required as string[] | undefined) ?? []) {
    if (!oldRequired.has(name)) add(`${pointer}/required`, `field "${name}" became required`);
  }
  if (o.additionalProperties !== false && n.additionalProperties === false) {
    add(`${pointer}/additionalProperties`, 'fields the contract does not name are now refused');
  } else if (asSchema(n.additionalProperties) && !same(o.additionalProperties, n.additionalProperties)) {
    breaks.push(...compatibilityBreaks(o.additionalProperties ?? {}, n.additionalProperties, `${pointer}/additionalProperties`));
  }
  if (o.items !== undefined || n.items !== undefined) {
    breaks.push(...compatibilityBreaks(o.items ?? {}, n.items ?? {}, `${pointer}/items`));
  }

  for (const k of new Set([...Object.keys(o), ...Object.keys(n)])) {
    if (annotations.has(k) || handled.has(k)) continue;
    if (!same(o[k], n[k])) add(`${pointer}/${k}`, `"${k}" changed: brx cannot tell that this is compatible`);
  }
  return breaks;
}
