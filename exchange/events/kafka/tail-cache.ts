import type { StoredEvent } from '../event-log.ts';

interface Tail {
  first: number;
  events: StoredEvent[];
}

/**
 * The newest events of the datasets read lately, one unbroken run of offsets each: subscribers
 * near the head read it instead of the broker. Bounded per dataset and in datasets (least
 * recently used goes first); a run that joins the kept one extends it, a newer one apart replaces it.
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
    const last = events[events.length - 1]!.offset;
    if (tail && first < tail.first && last >= tail.first - 1) {
      // an older run reaching the kept one (subscribers catching up): it joins at the front
      const older = events.filter((e) => e.offset < tail.first);
      tail.events.unshift(...older);
      tail.first -= older.length;
      this.#trim(tail);
      return;
    }
    if (!tail || first > tail.first + tail.events.length) {
      this.#tails.delete(datasetId);
      this.#tails.set(datasetId, { first, events: [...events] });
      if (this.#tails.size > this.datasets) this.#tails.delete(this.#tails.keys().next().value!);
    } else {
      const end = tail.first + tail.events.length;
      for (const e of events) if (e.offset === tail.first + tail.events.length) tail.events.push(e);
      if (tail.first + tail.events.length === end) return;
    }
    this.#trim(this.#tails.get(datasetId)!);
  }

  /** Keeps the newest `perDataset` events. */
  #trim(tail: Tail): void {
    const over = tail.events.length - this.perDataset;
    if (over > 0) {
      tail.events.splice(0, over);
      tail.first += over;
    }
  }
}
