import type { StoredEvent } from '../event-log.ts';

interface Tail {
  first: number;
  events: StoredEvent[];
}

/**
 * The newest events of the datasets read lately, one unbroken run of offsets each: subscribers
 * near the head read it instead of the broker. Bounded per dataset and in datasets (least
 * recently used goes first); a newer run that does not join the kept one replaces it.
 */
export class TailCache {
  readonly #tails = new Map<string, Tail>();

  constructor(
    private readonly perDataset = 5000,
    private readonly datasets = 64,
  ) {}

  /** Up to `want` consecutive events after `after`, as many as are kept (possibly none). */
  run(datasetId: string, after: number, want: number): StoredEvent[] {
    const tail = this.#tails.get(datasetId);
    if (!tail) return [];
    this.#tails.delete(datasetId);
    this.#tails.set(datasetId, tail);
    const i = after + 1 - tail.first;
    if (i < 0 || i >= tail.events.length) return [];
    return tail.events.slice(i, i + want);
  }

  add(datasetId: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    const tail = this.#tails.get(datasetId);
    const first = events[0]!.offset;
    if (!tail || first > tail.first + tail.events.length) {
      this.#tails.delete(datasetId);
      this.#tails.set(datasetId, { first, events: [...events] });
      if (this.#tails.size > this.datasets) this.#tails.delete(this.#tails.keys().next().value!);
    } else {
      const end = tail.first + tail.events.length;
      for (const e of events) if (e.offset === tail.first + tail.events.length) tail.events.push(e);
      if (tail.first + tail.events.length === end) return;
    }
    const kept = this.#tails.get(datasetId)!;
    const over = kept.events.length - this.perDataset;
    if (over > 0) {
      kept.events.splice(0, over);
      kept.first += over;
    }
  }
}
