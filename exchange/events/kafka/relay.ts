import { sql } from 'kysely';
import type pg from 'pg';
import type { KafkaConfig } from '../../config.ts';
import { type Db, dedicatedClient } from '../../db/database.ts';
import { oncePer } from '../../db/unavailable.ts';
import type { StoredEvent } from '../event-log.ts';
import { clientSettings, type Envelope, envelopeOf, type Rdkafka, topicOf } from './rdkafka.ts';
import type { KafkaReader } from './reader.ts';

/** The relays' advisory lock class: one lock per dataset (the second key), apart from brx's other locks. */
const relayLockClass = 0x6272_78b1;
const batchSize = 1000;

interface Lease {
  readonly topic: string;
  /** the last offset published in order: the next batch starts after it */
  relayed: number;
  /** set when the topic's tail must be looked at before publishing (a new lease, or a failed batch) */
  unsure: boolean;
  /** a batch failed here: what follows the recorded offset in the topic may have holes, so it is published again */
  failed: boolean;
  again: boolean;
  /** the lease's session ended: another relay may hold it now */
  lost: boolean;
}

/**
 * Moves committed events from the PostgreSQL outbox to the datasets' Kafka topics, in offset
 * order, effectively once. Each exchange process runs one; a dataset is relayed by the process
 * holding its lease, a session advisory lock on the relay's own connection, which PostgreSQL
 * releases when that process dies or loses its connection, so another process takes the
 * dataset over on its next scan (every second).
 *
 * Before publishing under a new lease, or after a batch failed, the relay reads the topic's
 * last message: what a dead relay published but did not record is not published again. The
 * producer keeps order (one request in flight, or idempotence where the broker has it); a
 * retry inside the producer can still write a message twice, and readers drop what repeats an
 * offset. After each acknowledged batch the relayed offset is recorded and announced
 * (NOTIFY brx_relayed), which wakes the long polls of every process.
 */
export class Relay {
  readonly #leases = new Map<string, Lease>();
  /** one pump per dataset, also across a lost and retaken lease: never two batches of a dataset at once */
  readonly #pumps = new Map<string, { lease: Lease; done: Promise<void> }>();
  #session: Promise<pg.Client> | null = null;
  #producer: Promise<Rdkafka.Producer> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #closed = false;
  /** while the broker or the database is away every turn fails alike: one warning a minute per dataset */
  readonly #tell = oncePer(60_000);

  constructor(
    private readonly db: Db,
    private readonly rd: typeof Rdkafka,
    private readonly kafka: KafkaConfig,
    private readonly reader: KafkaReader,
    private readonly readStored: (datasetId: string, after: number, limit: number) => Promise<StoredEvent[]>,
    /** events the broker acknowledged: this process's readers take them from memory */
    private readonly published: (datasetId: string, events: StoredEvent[]) => void,
    private readonly warn: (message: string) => void,
  ) {}

  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => void this.scan(), intervalMs);
    this.#timer.unref();
    // connected before the first dataset needs them: a new dataset's first events wait for no handshake
    this.#producerReady().catch((error) => this.warn(`event relay: ${(error as Error).message}; trying again on the next scan`));
    void this.scan();
  }

  /** The datasets this process relays now. */
  get leased(): ReadonlySet<string> {
    return new Set(this.#leases.keys());
  }

  /** Takes the lease of every dataset with unrelayed events that no live relay holds, and relays. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => (this.#scanning = null));
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    if (this.#closed) return;
    try {
      const session = await this.#connect();
      const { rows } = await sql<{ dataset_id: string; code: string }>`
        select h.dataset_id, d.code from event_heads h join datasets d on d.id = h.dataset_id
          left join event_relay r on r.dataset_id = h.dataset_id
         where h.last_offset > coalesce(r.relayed_offset, 0)`.execute(this.db);
      for (const { dataset_id: id, code } of rows) {
        if (!this.#leases.has(id)) {
          const got = await session.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [relayLockClass, id]);
          if (!got.rows[0]!.ok || this.#closed) continue;
          this.#leases.set(id, { topic: topicOf(this.kafka, code), relayed: 0, unsure: true, failed: false, again: false, lost: false });
        }
        this.kick(id);
      }
    } catch (error) {
      if (this.#tell()) this.warn(`event relay: ${(error as Error).message}; trying again every second`);
    }
  }

  /** Relays a leased dataset's new events (a notification of a commit, or a scan). */
  kick(datasetId: string): void {
    if (this.#closed) return;
    const lease = this.#leases.get(datasetId);
    // a dataset no relay has taken yet (its first events, or its relay died): try for its lease now
    if (!lease) return void this.scan();
    const running = this.#pumps.get(datasetId);
    if (running) {
      // the pump of a lease lost meanwhile ends at its next step; this lease's pump starts after it
      lease.again = true;
      return;
    }
    const done = (async () => {
      try {
        do {
          lease.again = false;
          if (lease.unsure) await this.#settle(datasetId, lease);
          while (!this.#closed && !lease.lost && (await this.#publishNext(datasetId, lease)));
        } while (lease.again && !this.#closed && !lease.lost);
      } catch (error) {
        lease.unsure = true;
        if (this.#tell(datasetId)) this.warn(`event relay of dataset ${datasetId}: ${(error as Error).message}; trying again every second`);
      } finally {
        this.#pumps.delete(datasetId);
        const now = this.#leases.get(datasetId);
        if (now && now !== lease && now.again) this.kick(datasetId);
      }
    })();
    this.#pumps.set(datasetId, { lease, done });
  }

  /**
   * Where to go on from. An empty topic (new, or made again) gets the dataset's whole history from
   * the outbox. Otherwise the topic's last message counts (what a dead relay published but did not
   * record is not sent again), unless a batch failed here (then the topic may hold a later event
   * without an earlier one, and all after the recorded offset goes again; readers drop repeats).
   * A topic whose last message is not this dataset's, or lies beyond the outbox, is refused.
   */
  async #settle(datasetId: string, lease: Lease): Promise<void> {
    const row = await this.db.selectFrom('event_relay').select(['relayed_offset', 'kafka_base']).where('dataset_id', '=', datasetId).executeTakeFirst();
    const { low, high } = await this.reader.watermarks(lease.topic);
    let published = 0;
    if (high > low && !lease.failed) {
      const tail: Envelope[] = [];
      await this.reader.fetch(lease.topic, high - 1, 1, (e) => tail.push(e) < 1);
      const { last_offset: committed } = await this.db.selectFrom('event_heads').select('last_offset').where('dataset_id', '=', datasetId).executeTakeFirstOrThrow();
      if (tail[0]!.datasetId !== datasetId || tail[0]!.offset > committed) {
        throw new Error(
          `the topic ${lease.topic} ends with an event that is not this dataset's (offset ${tail[0]!.offset} of dataset ${tail[0]!.datasetId}; this dataset's last is ${committed}): ` +
            'a topic left from another installation or a restored database; give brx topics of its own (BRX_KAFKA_TOPIC_PREFIX) or empty this one',
        );
      }
      published = tail[0]!.offset;
    } else if (high > 0) {
      published = row?.relayed_offset ?? 0;
    }
    // the next event goes to topic offset `high`; the first base stays, as repeats only ever move events up
    const base = Math.min(high - 1 - published, row && high > 0 ? row.kafka_base : Number.POSITIVE_INFINITY);
    await this.db
      .insertInto('event_relay')
      .values({ dataset_id: datasetId, topic: lease.topic, relayed_offset: published, kafka_base: base })
      .onConflict((oc) =>
        oc.column('dataset_id').doUpdateSet((eb) => ({
          topic: lease.topic,
          relayed_offset: sql<number>`greatest(${eb.ref('event_relay.relayed_offset')}, ${published})`,
          kafka_base: base,
          updated_at: new Date(),
        })),
      )
      .execute();
    lease.relayed = published;
    lease.unsure = false;
    lease.failed = false;
  }

  /** Publishes the next batch and records it; false when there was nothing to publish. */
  async #publishNext(datasetId: string, lease: Lease): Promise<boolean> {
    const events = await this.readStored(datasetId, lease.relayed, batchSize);
    if (events.length === 0) return false;
    const producer = await this.#producerReady();
    await new Promise<void>((resolve, reject) => {
      let left = events.length;
      let failure: Error | null = null;
      const report = (err: Error | null) => {
        if (err) failure ??= err;
        if (--left === 0) (failure ? reject(failure) : resolve());
      };
      const fail = (error: Error) => {
        lease.failed = true;
        return error;
      };
      for (const [i, e] of events.entries()) {
        const headers: Rdkafka.MessageHeader[] | undefined = this.kafka.headers ? [{ 'brx-dataset': datasetId }, { 'brx-offset': String(e.offset) }] : undefined;
        try {
          // stamped when published, not when committed: a backlog relayed late is retained as long as any
          producer.produce(lease.topic, 0, Buffer.from(JSON.stringify(envelopeOf(e))), e.key, Date.now(), (err: Error | null) => report(err && fail(err)), headers);
        } catch (error) {
          // the rest of the batch is not produced: nothing may land after a hole
          failure = fail(error as Error);
          left -= events.length - i;
          if (left === 0) reject(failure);
          break;
        }
      }
    });
    const last = events[events.length - 1]!.offset;
    this.published(datasetId, events);
    // recorded and announced in one statement (one round trip): readers wake at its commit
    await sql`
      with recorded as (
        update event_relay set relayed_offset = ${last}, updated_at = now()
         where dataset_id = ${datasetId}::uuid and relayed_offset < ${last})
      select pg_notify('brx_relayed', ${`${datasetId}:${last}`})`.execute(this.db);
    lease.relayed = last;
    return events.length === batchSize;
  }

  #producerReady(): Promise<Rdkafka.Producer> {
    this.#producer ??= new Promise<Rdkafka.Producer>((resolve, reject) => {
      const idempotent = String(this.kafka.settings['enable.idempotence']) === 'true';
      const p = new this.rd.Producer(<Rdkafka.ProducerGlobalConfig>{
        ...clientSettings(this.kafka, 'brx-relay'),
        dr_cb: true,
        'linger.ms': 2,
        // order within a dataset: one request in flight unless the broker dedupes (idempotence)
        ...(idempotent ? {} : { 'max.in.flight.requests.per.connection': 1 }),
        'message.timeout.ms': 30_000,
        ...this.kafka.settings,
      });
      p.on('delivery-report', (err, report) => (report.opaque as (err: Error | null) => void)(err ? new Error(err.message) : null));
      p.on('event.error', () => {}); // a broker away shows in the delivery reports
      p.connect({ timeout: 30_000 }, (err) => {
        if (err) {
          this.#producer = null;
          reject(err);
        } else {
          p.setPollInterval(5);
          resolve(p);
        }
      });
    });
    return this.#producer;
  }

  /** The session holding the leases; when it is lost, so are they (another process may hold them now). */
  #connect(): Promise<pg.Client> {
    if (this.#session) return this.#session;
    const client = dedicatedClient(this.db);
    const session = (async () => {
      await client.connect();
      await client.query('listen brx_events');
      return client;
    })();
    this.#session = session;
    const lost = () => {
      if (this.#session !== session) return;
      this.#session = null;
      for (const lease of this.#leases.values()) lease.lost = true;
      this.#leases.clear();
      client.end().catch(() => {});
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (m) => this.kick((m.payload ?? '').split(':')[0]!));
    session.catch(lost);
    return session;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#scanning;
    await Promise.all([...this.#pumps.values()].map((p) => p.done));
    this.#leases.clear();
    const session = this.#session;
    this.#session = null;
    if (session) await session.then((c) => c.end()).catch(() => {});
    const producer = this.#producer;
    this.#producer = null;
    if (producer) {
      await producer.then((p) => new Promise<void>((resolve) => p.flush(5000, () => p.disconnect(() => resolve())))).catch(() => {});
    }
  }
}
