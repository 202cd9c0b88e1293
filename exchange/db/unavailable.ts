/**
 * Whether an error means "the database cannot be reached right now" rather than "this request is
 * wrong" or "brx has a bug": the caller gets 503 with Retry-After and tries again, and the
 * process carries on until the database is back.
 */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// SQLSTATE: class 08 connection exception; 57P01 admin shutdown (also pg_terminate_backend),
// 57P02 crash shutdown, 57P03 cannot connect now (starting or recovering), 53300 too many connections
const sqlStates = new Set(['57P01', '57P02', '57P03', '53300']);

// node-postgres reports a lost or never-made connection with plain messages and no code
const messages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection terminated due to connection timeout',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (socketCodes.has(code) || sqlStates.has(code) || code.startsWith('08')) return true;
  if (typeof e.message === 'string' && messages.some((m) => (e.message as string).startsWith(m))) return true;
  // connecting to "localhost" tries every address and reports an AggregateError of them
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * While the database is away the same failure repeats on every request, connection and timer
 * turn: a notice for it is worth one log line per interval (per key), not one per occurrence.
 * Returns whether this occurrence should be told.
 */
export function oncePer(intervalMs: number): (key?: string) => boolean {
  const last = new Map<string, number>();
  return (key = '') => {
    const now = Date.now();
    if (now - (last.get(key) ?? Number.NEGATIVE_INFINITY) < intervalMs) return false;
    last.set(key, now);
    return true;
  };
}
