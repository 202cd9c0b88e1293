/**
 * Canonical JSON (the JSON Canonicalization Scheme of RFC 8785 for the values brx exchanges):
 * object keys sorted by UTF-16 code units, no white space, numbers and strings as
 * JSON.stringify writes them, `undefined` members left out. The one encoding behind every digest
 * brx signs or chains: content hashes, certificate signatures, audit hashes. It lives in
 * contracts/ because nodes (adapters/) and the exchange must compute it byte for byte alike.
 * Hot: ingest hashes every record with it (string concatenation, no intermediate arrays).
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
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} in canonical JSON`);
  }
}
