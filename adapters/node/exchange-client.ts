import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { batchSignatureHeader, batchSigningMessage } from '../../contracts/batch-signature.ts';
import type { BatchResult, Dataset, EventBatch, NodeHeartbeat, Subscription, SubscriptionCreate, SubscriptionPosition } from '../../contracts/generated/api.ts';
import { onBehalfOfHeader } from '../../contracts/on-behalf-of.ts';

/** The exchange could not be reached or asked to come back later: try again, nothing was decided. */
export class TransientError extends Error {}

/** The exchange refused a request for good (a 4xx other than 408/429): sending it again will not help. */
export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { detail?: string; errors?: unknown[] } | null,
  ) {
    super(`the exchange refused (${status}): ${problem?.detail ?? 'no detail'}`);
  }
}

/**
 * The node's only way to the exchange: HTTP with its API key, batches signed with its Ed25519
 * key and gzip-compressed. Nothing under adapters/ imports the exchange; the shapes come from
 * contracts/.
 */
export class ExchangeClient {
  readonly #key: KeyObject;
  constructor(
    readonly url: string,
    readonly apiKey: string,
    privateKeyPem: string,
    readonly timeoutMs = 60_000,
  ) {
    this.#key = createPrivateKey(privateKeyPem);
  }

  async #call(method: string, path: string, init: { body?: Buffer; headers?: Record<string, string> } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, ...init.headers },
        ...(init.body ? { body: new Uint8Array(init.body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TransientError(`the exchange at ${this.url} does not answer: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      await res.body?.cancel();
      throw new TransientError(`the exchange answered ${res.status}${res.headers.get('retry-after') ? ` (retry after ${res.headers.get('retry-after')} s)` : ''}`);
    }
    return res;
  }

  async #json<T>(res: Response): Promise<T> {
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new RefusedError(res.status, body as { detail?: string } | null);
    return body as T;
  }

  /** The dataset with its current contract (the node validates against it before sending). */
  async dataset(code: string): Promise<Dataset> {
    return this.#json<Dataset>(await this.#call('GET', `/v1/datasets/${encodeURIComponent(code)}`));
  }

  /** Sends one batch; the same batch id sent again gets the first answer (the exchange is idempotent by id). */
  async sendBatch(code: string, body: Buffer): Promise<BatchResult> {
    const signature = sign(null, batchSigningMessage(code, body), this.#key).toString('base64');
    const res = await this.#call('POST', `/v1/datasets/${encodeURIComponent(code)}/batches`, {
      body: gzipSync(body, { level: 1 }),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', [batchSignatureHeader]: signature },
    });
    return this.#json<BatchResult>(res);
  }

  /** Reports the node's state (heartbeat). */
  async heartbeat(report: NodeHeartbeat): Promise<void> {
    const res = await this.#call('POST', '/v1/nodes/self/heartbeat', { body: Buffer.from(JSON.stringify(report)), headers: { 'content-type': 'application/json' } });
    if (!res.ok) await this.#json(res);
    else await res.body?.cancel();
  }

  /** Calls made for a system of the node's department: its grants decide, the exchange audits them as the system's, via this node. */
  forSystem(systemId: string) {
    const headers = { [onBehalfOfHeader]: systemId };
    const json = { ...headers, 'content-type': 'application/json' };
    const path = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;
    return {
      dataset: async (code: string) => this.#json<Dataset>(await this.#call('GET', `/v1/datasets/${encodeURIComponent(code)}`, { headers })),
      subscribe: async (body: SubscriptionCreate) =>
        this.#json<Subscription>(await this.#call('POST', '/v1/subscriptions', { body: Buffer.from(JSON.stringify(body)), headers: json })),
      subscription: async (id: string) => this.#json<Subscription>(await this.#call('GET', path(id), { headers })),
      events: async (id: string, limit: number, waitSeconds: number) =>
        this.#json<EventBatch>(await this.#call('GET', `${path(id)}/events?limit=${limit}&wait=${waitSeconds}`, { headers })),
      ack: async (id: string, next: SubscriptionPosition) =>
        this.#json<Subscription>(await this.#call('POST', `${path(id)}/ack`, { body: Buffer.from(JSON.stringify(next)), headers: json })),
    };
  }

}
