import type { KafkaConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { type EventLog, NotRetained, type StoredEvent } from '../event-log.ts';
import { HeadWaiters } from '../head-waiters.ts';
import { Outbox } from '../outbox.ts';
import { DeliveryGroup } from './delivery-group.ts';
import { type Envelope, loadRdkafka, storedOf } from './rdkafka.ts';
import { KafkaReader } from './reader.ts';
import { Relay } from './relay.ts';
import { TailCache } from './tail-cache.ts';

/**
 * The Kafka backbone. Appends and history stay in the PostgreSQL outbox (the source of truth);
 * the relay publishes committed events to one topic per dataset; readers read the topics. A
 * dataset's head is what its relay has published and recorded, so a position means the same on
 * either backbone: the dataset's offset, not the topic's. The newest events of each dataset are
 * kept at hand (a tail), so many subscribers near the head cost one fetch, not one each.
 */
export class KafkaEventLog extends Outbox implements EventLog {
  readonly backbone = 'kafka';
  readonly #reader: KafkaReader;
  readonly #relay: Relay;
  readonly #group: DeliveryGroup;
  readonly #waiters: HeadWaiters;
  readonly #tail = new TailCache();
  readonly #fetching = new Map<string, Promise<StoredEvent[]>>();
  readonly #low = new Map<string, { low: number; at: number }>();

  constructor(db: Db, kafka: KafkaConfig, warn: (message: string) => void) {
    super(db);
    const rd = loadRdkafka();
    this.#reader = new KafkaReader(rd, kafka);
    this.#relay = new Relay(
      db,
      rd,
      kafka,
      this.#reader,
      (id, after, limit) => this.readStored(id, after, limit),
      (id, events) => this.#tail.add(id, events),
      warn,
    );
    this.#group = new DeliveryGroup(db, rd, kafka, (events) => this.#keep(events), warn);
    this.#waiters = new HeadWaiters(db, 'brx_relayed', (id) => this.head(id));
  }

  /** Starts relaying and joins the delivery group. */
  start(): this {
    this.#reader.warm();
    this.#relay.start();
    this.#group.start();
    return this;
  }

  /** The relay of this process (tests look at its leases). */
  get relay(): Relay {
    return this.#relay;
  }

  async read(datasetId: string, after: number, limit: number): Promise<StoredEvent[]> {
    const row = await this.db.selectFrom('event_relay').select(['topic', 'relayed_offset', 'kafka_base']).where('dataset_id', '=', datasetId).executeTakeFirst();
    if (!row || row.relayed_offset <= after || limit <= 0) return [];
    const want = Math.min(limit, row.relayed_offset - after);
    // what the topic no longer retains is not served from memory either: one rule for every reader
    const start = after + 1 + row.kafka_base;
    const low = await this.#lowOf(row.topic, start);
    if (start < low) throw new NotRetained(datasetId, after, low - row.kafka_base);
    const kept = this.#tail.run(datasetId, after, want);
    if (kept.length === want) return kept;
    const from = after + kept.length;
    const key = `${datasetId}:${from}:${want - kept.length}`;
    let fetching = this.#fetching.get(key);
    if (!fetching) {
      fetching = this.#fetch(datasetId, row, from, want - kept.length).finally(() => this.#fetching.delete(key));
      this.#fetching.set(key, fetching);
    }
    return [...kept, ...(await fetching)];
  }

  async #fetch(datasetId: string, row: { topic: string; kafka_base: number }, after: number, count: number): Promise<StoredEvent[]> {
    const start = after + 1 + row.kafka_base;
    const out: StoredEvent[] = [];
    let last = after;
    await this.#reader.fetch(row.topic, start, Number.MAX_SAFE_INTEGER, (e) => {
      // only the next offset is taken: a repeat (published again after a relay died or a batch
      // failed) is dropped, and so is an event ahead of a hole, which comes again in order after it
      if (e.datasetId !== datasetId || e.offset !== last + 1) return true;
      out.push(storedOf(e));
      last = e.offset;
      return out.length < count;
    });
    this.#tail.add(datasetId, out);
    return out;
  }

  /** The topic's first retained offset; looked up again when a read would start below it. */
  async #lowOf(topic: string, start: number): Promise<number> {
    const known = this.#low.get(topic);
    if (known && start >= known.low && performance.now() - known.at < 5000) return known.low;
    const { low } = await this.#reader.watermarks(topic);
    this.#low.set(topic, { low, at: performance.now() });
    return low;
  }

  #keep(events: Envelope[]): void {
    if (events.length) this.#tail.add(events[0]!.datasetId, events.map(storedOf));
  }


  async head(datasetId: string): Promise<number> {
    const row = await this.db.selectFrom('event_relay').select('relayed_offset').where('dataset_id', '=', datasetId).executeTakeFirst();
    return row?.relayed_offset ?? 0;
  }

  async heads(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('event_relay').select(['dataset_id', 'relayed_offset']).where('relayed_offset', '>', 0).execute();
    return new Map(rows.map((r) => [r.dataset_id, r.relayed_offset]));
  }

  wait(datasetId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#waiters.wait(datasetId, after, timeoutMs, signal);
  }

  deliveryShare(): ReadonlySet<string> {
    return this.#group.share;
  }

  get waiting(): number {
    return this.#waiters.waiting;
  }

  async close(): Promise<void> {
    await this.#waiters.close();
    await Promise.all([this.#relay.close(), this.#group.close()]);
    await this.#reader.close();
  }
}
