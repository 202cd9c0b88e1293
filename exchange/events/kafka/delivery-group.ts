import type { KafkaConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { clientSettings, type Envelope, type Rdkafka } from './rdkafka.ts';

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
  #consumer: Rdkafka.KafkaConsumer | null = null;
  #again: NodeJS.Timeout | undefined;
  #closed = false;

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
          if (err.code === ERRORS.ERR__ASSIGN_PARTITIONS) {
            consumer.assign(assignment);
            this.#topics = assignment.map((a) => a.topic);
          } else {
            consumer.unassign();
            this.#topics = [];
          }
          this.#refreshShare().catch((error) => this.warn(`delivery group: ${(error as Error).message}`));
        },
        ...this.kafka.settings,
      },
      { 'auto.offset.reset': 'latest' },
    );
    consumer.on('event.error', (error) => this.warn(`delivery group: ${error.message}`));
    consumer.on('data', (m) => {
      try {
        this.onEvents([JSON.parse(m.value!.toString()) as Envelope]);
      } catch {}
    });
    consumer.on('ready', () => {
      consumer.subscribe([`^${this.kafka.topicPrefix.replace(/[.]/g, '\\.')}.*`]);
      consumer.consume();
    });
    consumer.connect();
    this.#consumer = consumer;
  }

  /**
   * The assigned topics' datasets. A topic made before its relay wrote the dataset's row (by an
   * operator, with settings of its own) is looked up again every second until the row is there.
   */
  async #refreshShare(): Promise<void> {
    const topics = this.#topics;
    const rows = topics.length ? await this.db.selectFrom('event_relay').select('dataset_id').where('topic', 'in', topics).execute() : [];
    if (topics !== this.#topics) return;
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
    if (consumer?.isConnected()) await new Promise((resolve) => consumer.disconnect(resolve));
  }

  get closed(): boolean {
    return this.#closed;
  }
}
