import type { FastifyInstance } from 'fastify';
import type { Problem } from '../../contracts/generated/api.ts';

/** A refusal of the JSON API, carried to the page that asked. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail);
  }
}

type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function withQuery(url: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${url}?${s}` : url;
}

/**
 * The console reads and acts only through the JSON API, in-process and with the signed-in
 * person's own session token: every page gets exactly what the API would give that person (the
 * same guard, read policy and masking), and every read is audited as theirs.
 */
export class ConsoleApi {
  constructor(
    private readonly app: FastifyInstance,
    private readonly token: string | null,
    private readonly requestId: string,
  ) {}

  async #call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        'x-request-id': this.requestId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return res;
  }

  async #json<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<T> {
    const res = await this.#call(method, url, body);
    if (res.statusCode >= 400) throw new ApiError(res.statusCode, problemOf(res.statusCode, res.body));
    if (res.statusCode === 204 || res.body === '') return undefined as T;
    return JSON.parse(res.body) as T;
  }

  get<T>(url: string, query?: Query): Promise<T> {
    return this.#json<T>('GET', withQuery(url, query));
  }

  post<T>(url: string, body: unknown = {}): Promise<T> {
    return this.#json<T>('POST', url, body);
  }

  put<T>(url: string, body: unknown): Promise<T> {
    return this.#json<T>('PUT', url, body);
  }

  /** A body that is not JSON (a CSV export), with its content type. */
  async text(url: string, query?: Query): Promise<{ body: string; contentType: string }> {
    const res = await this.#call('GET', withQuery(url, query));
    if (res.statusCode >= 400) throw new ApiError(res.statusCode, problemOf(res.statusCode, res.body));
    return { body: res.body, contentType: String(res.headers['content-type'] ?? 'text/plain') };
  }
}

function problemOf(status: number, body: string): Problem {
  try {
    const p = JSON.parse(body) as Problem;
    if (typeof p.code === 'string') return { ...p, errors: p.errors ?? [] };
  } catch {
    // not a problem document: described below
  }
  return { type: 'about:blank', title: 'Error', status, detail: `HTTP ${status}`, code: status >= 500 ? 'BRX_ERR_INTERNAL' : 'BRX_ERR_VALIDATION', errors: [] };
}

/** A refusal the console makes itself, shaped as the API's (so ProblemBox shows both alike). */
export function consoleProblem(status: number, code: string, detail: string, errors: Problem['errors'] = []): Problem {
  return { type: 'about:blank', title: code, status, detail, code, errors };
}

/** The mistakes a page found in its own form, each at the field's pointer. */
export function formProblem(errors: Problem['errors']): Problem {
  return consoleProblem(400, 'BRX_ERR_VALIDATION', errors.map((e) => e.message).join('; '), errors);
}
