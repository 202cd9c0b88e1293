/**
 * Canonical JSON (the JSON Canonicalization Scheme of RFC 8785 for the values brx exchanges):
 * object keys sorted by UTF-16 code units, no white space, numbers and strings as
 * JSON.stringify writes them, `undefined` members left out. The one encoding behind every digest
 * brx signs or chains: batch signatures, certificate signatures, audit hashes. It lives in
 * contracts/ because nodes (adapters/) and the exchange must compute it byte for byte alike.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} in canonical JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const keys = Object.keys(value).sort();
      const members: string[] = [];
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} in canonical JSON`);
  }
}
