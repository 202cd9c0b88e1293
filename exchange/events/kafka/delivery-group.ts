import type { KafkaConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { oncePer } from '../../db/unavailable.ts';
import { clientSettings, type Envelope, type Rdkafka } from './rdkafka.ts';
import { envelopeOfMessage } from './reader.ts';

/** how long a leaving member waits for the revoke, and then for the disconnect */
const closeDeadlineMs = 15_000;

/**
 * The process's membership in the delivery workers' consumer group: every dataset topic is
 * assigned to one member, and that member serves the dataset's webhook deliveries (the
 * subscriptions' positions stay in PostgreSQL, so a rebalance moves the work, never a position).
 * The messages it consumes are the dataset's newest events: they go to `onEvents`, which keeps
 * them at hand for the deliveries. Round-robin assignment spreads single-partition topics over
 * the members; new dataset topics join within the metadata refresh.
 */
export class DeliveryGroup {
  #share = new Set<string>();
  #topics: string[] = [];
  /** the assigned topics' datasets: a message is kept only as the event of its own topic's dataset */
  #datasetOf = new Map<string, string>();
  readonly #tell = oncePer(60_000);
  #consumer: Rdkafka.KafkaConsumer | null = null;
  #again: NodeJS.Timeout | undefined;
  #closed = false;
  /** called once the assignment is given up while closing */
  #revoked: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly rd: typeof Rdkafka,
    private readonly kafka: KafkaConfig,
    private readonly onEvents: (events: Envelope[]) => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** The datasets whose deliveries this member serves now. */
  get share(): ReadonlySet<string> {
    return this.#share;
  }

  start(): void {
    const { ERRORS } = this.rd.CODES;
    const consumer = new this.rd.KafkaConsumer(
      {
        ...clientSettings(this.kafka, 'brx-delivery'),
        'group.id': this.kafka.group,
        'partition.assignment.strategy': 'roundrobin',
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 1000,
        'topic.metadata.refresh.interval.ms': 5000,
        'fetch.wait.max.ms': 10,
        'enable.auto.commit': true,
        rebalance_cb: (err: Rdkafka.LibrdKafkaError, assignment: Rdkafka.Assignment[]) => {
          // Every rebalance must be answered with assign or unassign: librdkafka's close waits for
          // the answer. A closing consumer cannot assign (node-rdkafka refuses), so an assignment
          // that arrives while the process leaves is answered by taking nothing.
          this.#topics = [];
          try {
            if (err.code === ERRORS.ERR__ASSIGN_PARTITIONS && !this.#closed) {
              consumer.assign(assignment);
              this.#topics = assignment.map((a) => a.topic);
            } else consumer.unassign();
          } catch (error) {
            // called from librdkafka's thread: nothing may throw out of it
            try {
              consumer.unassign();
            } catch {}
            if (!this.#closed) this.#complain(error);
          }
          if (!this.#closed) this.#refreshShare().catch((error) => this.#complain(error));
          else this.#revoked?.();
        },
        ...this.kafka.settings,
      },
      { 'auto.offset.reset': 'latest' },
    );
    consumer.on('event.error', (error) => this.#complain(error));
    consumer.on('data', (m) => {
      try {
        const e = envelopeOfMessage(m);
        if (this.#datasetOf.get(m.topic) === e.datasetId) this.onEvents([e]);
      } catch (error) {
        this.#complain(error);
      }
    });
    consumer.on('ready', () => {
      try {
        consumer.subscribe([`^${this.kafka.topicPrefix.replace(/[.]/g, '\\.')}.*`]);
        consumer.consume();
      } catch (error) {
        this.#complain(error);
      }
    });
    this.#consumer = consumer;
    // a broker away at start: the process joins once it answers
    const connect = () =>
      consumer.connect({ timeout: 30_000 }, (err) => {
        if (!err || this.#closed) return;
        this.#complain(err);
        setTimeout(connect, 2000).unref();
      });
    connect();
  }

  /** Once a minute at most: while the broker is away every attempt fails alike. */
  #complain(error: unknown): void {
    if (this.#tell()) this.warn(`delivery group: ${(error as Error).message}; trying again`);
  }

  /**
   * The assigned topics' datasets. A topic made before its relay wrote the dataset's row (by an
   * operator, with settings of its own) is looked up again every second until the row is there.
   */
  async #refreshShare(): Promise<void> {
    const topics = this.#topics;
    const rows = topics.length ? await this.db.selectFrom('event_relay').select(['topic', 'dataset_id']).where('topic', 'in', topics).execute() : [];
    if (topics !== this.#topics) return;
    this.#datasetOf = new Map(rows.map((r) => [r.topic, r.dataset_id]));
    this.#share = new Set(rows.map((r) => r.dataset_id));
    clearTimeout(this.#again);
    if (rows.length < topics.length && !this.#closed) {
      this.#again = setTimeout(() => this.#refreshShare().catch((error) => this.warn(`delivery group: ${(error as Error).message}`)), 1000);
      this.#again.unref();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#again);
    this.#share = new Set();
    const consumer = this.#consumer;
    this.#consumer = null;
    if (!consumer?.isConnected()) return;
    // Leave the group while the consume loop still serves rebalances: librdkafka's close, left
    // to revoke the assignment itself, can wait for ever (and a stuck native close keeps the
    // process from exiting). The broker hands the datasets to the others at once.
    const revoked = await within(closeDeadlineMs, (done) => {
      this.#revoked = done;
      const assigned = consumer.assignments().length > 0;
      consumer.unsubscribe();
      if (!assigned) done();
    });
    const left = await within(closeDeadlineMs, (done) => consumer.disconnect(done));
    if (!revoked || !left) this.warn(`delivery group: leaving the group took longer than ${closeDeadlineMs / 1000} s; the broker hands this process's datasets to the others after its session timeout`);
  }
}

/** Whether `start` called back within the time limit (a call that throws counts as not). */
function within(ms: number, start: (done: () => void) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    try {
      start(() => {
        clearTimeout(timer);
        resolve(true);
      });
    } catch {
      clearTimeout(timer);
      resolve(false);
    }
  });
}
