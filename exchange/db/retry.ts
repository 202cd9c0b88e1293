/**
 * Retries only the errors PostgreSQL documents as safe to retry: serialization failure (40001),
 * deadlock (40P01) and "cannot connect now" (57P03, a server still starting). Anything else
 * surfaces at once with its cause.
 */
const retryable = new Set(['40001', '40P01', '57P03']);

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && retryable.has((error as { code?: string }).code ?? '');
}

export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const backoff = Math.min(1000, 10 * 2 ** attempt);
      await new Promise((r) => setTimeout(r, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }
}
