import type pg from 'pg';
import { type Db, dedicatedClient } from '../db/database.ts';

/**
 * Long polls waiting for a dataset's head to pass an offset, woken by NOTIFY on one channel
 * (payload `dataset:head`). One LISTEN connection per process serves every waiter: a
 * notification names the dataset and its new head, so waking costs no query. The waiter
 * registers before it checks the head, so a change between the check and the wait still wakes
 * it. If the connection drops, every waiter is woken to look again (a missed notification can
 * only delay, never lose, an event).
 */
export class HeadWaiters {
  /** waiters per dataset: each is told the head a notification announced */
  readonly #waiters = new Map<string, Set<(head: number | null) => void>>();
  #listener: Promise<pg.Client> | null = null;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly channel: string,
    private readonly headOf: (datasetId: string) => Promise<number>,
  ) {}

  async wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed || signal?.aborted) return false;
    await this.#listen();
    if (this.#closed || signal?.aborted) return false; // aborted while connecting
    const waiters = this.#waiters.get(datasetId) ?? new Set();
    this.#waiters.set(datasetId, waiters);
    let resolveWait!: (woken: boolean) => void;
    const done = new Promise<boolean>((resolve) => (resolveWait = resolve));
    const finish = (woken: boolean) => {
      clearTimeout(timer);
      waiters.delete(onNotice);
      signal?.removeEventListener('abort', onAbort);
      resolveWait(woken);
    };
    const onNotice = (head: number | null) => {
      if (this.#closed) return finish(false);
      if (head === null) this.headOf(datasetId).then((h) => h > after && finish(true), () => finish(false));
      else if (head > after) finish(true);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    waiters.add(onNotice);
    signal?.addEventListener('abort', onAbort);
    onNotice(null);
    return done;
  }

  /** Wakes the waiters of a dataset whose head this process moved itself. */
  notify(datasetId: string, head: number): void {
    for (const w of [...(this.#waiters.get(datasetId) ?? [])]) w(head);
  }

  get waiting(): number {
    let n = 0;
    for (const waiters of this.#waiters.values()) n += waiters.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const w of [...waiters]) w(null);
    const listener = this.#listener;
    this.#listener = null;
    if (listener) await listener.then((c) => c.end()).catch(() => {});
  }

  async #listen(): Promise<void> {
    this.#listener ??= (async () => {
      const client = dedicatedClient(this.db);
      client.on('notification', (message) => {
        const [datasetId, head] = (message.payload ?? '').split(':');
        this.notify(datasetId!, Number(head));
      });
      const lost = () => {
        if (this.#listener === connecting) this.#listener = null;
        client.end().catch(() => {});
        for (const waiters of this.#waiters.values()) for (const w of [...waiters]) w(null);
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      await client.query(`listen ${this.channel}`);
      return client;
    })();
    const connecting = this.#listener;
    try {
      await connecting;
    } catch (error) {
      if (this.#listener === connecting) this.#listener = null;
      throw error;
    }
  }
}
