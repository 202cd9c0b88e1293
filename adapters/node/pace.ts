/** The node's log: one JSON line per event, never a record's values. */
export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/**
 * An error's message for logs and heartbeats without the values it may quote: drivers put a
 * row's values in quotes (MySQL's `Duplicate entry '3605…'`, PostgreSQL's `invalid input syntax
 * for type bigint: "3605…"`). Identifiers in double quotes without digits (a table's name) stay.
 */
export function safeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/'[^']*'/g, "'…'").replace(/"([^"]*\d[^"]*)"/g, '"…"').slice(0, 1000);
}

/** A pause that ends early when the node is asked to stop. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** 1 s, 2 s, 4 s … up to 60 s, each ±50 %: many nodes coming back together do not all call at once. */
export function backoff(attempt: number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 10));
  return base / 2 + Math.random() * base;
}
