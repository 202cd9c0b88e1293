import type { KafkaConfig } from '../../config.ts';
import { BrxError } from '../../errors.ts';
import { clientSettings, type Envelope, type Rdkafka } from './rdkafka.ts';

type Consumer = Rdkafka.KafkaConsumer;

/** The broker cannot be reached, or did not answer in time: the request gets a 503. */
export const backboneUnavailable = (cause: unknown) =>
  new BrxError('BRX_ERR_UNAVAILABLE', 'The event backbone (Kafka) cannot be reached at the moment; try again shortly', { cause });

/**
 * Reads a topic from a given offset: a few consumers with manual assignment (no group), each
 * serving one fetch at a time. A fetch assigns the topic's partition at the offset, takes
 * messages until it has what it wants, and unassigns (nothing keeps prefetching).
 */
export class KafkaReader {
  readonly #idle: Consumer[] = [];
  /** fetches waiting for a consumer: woken when one is handed back or a connection slot frees up */
  readonly #waiting = new Set<() => void>();
  readonly #all = new Set<Promise<Consumer>>();
  #closed = false;

  constructor(
    private readonly rd: typeof Rdkafka,
    private readonly kafka: KafkaConfig,
    private readonly timeoutMs = 10_000,
  ) {}

  /**
   * The topic's low and high offsets (0 and 0 for a topic not there yet). A broker that is
   * coming back (a connection being made again) is asked again until the time limit.
   */
  async watermarks(topic: string): Promise<{ low: number; high: number }> {
    const { ERRORS } = this.rd.CODES;
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const answer = await this.#with(
        (c) =>
          new Promise<{ low: number; high: number } | Error>((resolve) =>
            c.queryWatermarkOffsets(topic, 0, Math.max(100, deadline - performance.now()), (err, w) => {
              if (!err) resolve({ low: w.lowOffset, high: w.highOffset });
              else if (err.code === ERRORS.ERR_UNKNOWN_TOPIC_OR_PART || err.code === ERRORS.ERR__UNKNOWN_TOPIC) resolve({ low: 0, high: 0 });
              else resolve(new Error(err.message));
            }),
          ),
      );
      if (!(answer instanceof Error)) return answer;
      if (performance.now() > deadline) throw backboneUnavailable(answer);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Envelopes from topic offset `from` on, passed to `take` in order until it returns false or
   * `count` messages were read.
   */
  async fetch(topic: string, from: number, count: number, take: (e: Envelope) => boolean): Promise<void> {
    if (count <= 0) return;
    await this.#with(async (c) => {
      c.assign([{ topic, partition: 0, offset: from }]);
      try {
        const deadline = performance.now() + this.timeoutMs;
        let read = 0;
        while (read < count) {
          if (performance.now() > deadline) throw backboneUnavailable(new Error(`no message at offset ${from + read} of ${topic} within ${this.timeoutMs} ms`));
          const messages = await new Promise<Rdkafka.Message[]>((resolve, reject) => c.consume(Math.min(count - read, 1000), (err, m) => (err ? reject(backboneUnavailable(err)) : resolve(m))));
          for (const m of messages) {
            if (m.topic !== topic || m.offset < from + read) continue;
            read += 1;
            if (!take(envelopeOfMessage(m))) return;
          }
        }
      } finally {
        c.unassign();
      }
    });
  }

  /** Connects one consumer now, so the first read waits for no handshake (a broker away: the first read tries again). */
  warm(): void {
    this.#with(async () => {}).catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeAll();
    const all = await Promise.allSettled(this.#all);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? new Promise((resolve) => r.value.disconnect(resolve)) : null)));
  }

  async #with<T>(work: (c: Consumer) => Promise<T>): Promise<T> {
    const c = await this.#take();
    try {
      return await work(c);
    } finally {
      this.#idle.push(c);
      this.#wakeOne();
    }
  }

  /** An idle consumer, a new one while there is room, or the next one handed back; never longer than the time limit. */
  async #take(): Promise<Consumer> {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      if (this.#closed) throw backboneUnavailable(new Error('closing'));
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#all.size < this.kafka.readers) {
        const connecting = this.#connect();
        this.#all.add(connecting);
        connecting.catch(() => {
          // the slot is free again: a waiting fetch may try to connect in its turn
          this.#all.delete(connecting);
          this.#wakeOne();
        });
        return connecting;
      }
      const left = deadline - performance.now();
      if (left <= 0) throw backboneUnavailable(new Error('every Kafka reader is busy'));
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiting.add(wake);
      });
    }
  }

  #wakeOne(): void {
    const [first] = this.#waiting;
    first?.();
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiting]) wake();
  }

  #connect(): Promise<Consumer> {
    const c = new this.rd.KafkaConsumer(
      {
        ...clientSettings(this.kafka, 'brx-reader'),
        // required by librdkafka, never used: offsets are brx's, kept in PostgreSQL
        'group.id': `${this.kafka.group}-readers`,
        'enable.auto.commit': false,
        'fetch.wait.max.ms': 10,
        'queued.max.messages.kbytes': 8192,
      },
      { 'auto.offset.reset': 'error' },
    );
    c.on('event.error', () => {}); // a broker away: fetches time out and answer 503
    c.setDefaultConsumeTimeout(20);
    return new Promise((resolve, reject) => c.connect({ timeout: this.timeoutMs }, (err) => (err ? reject(backboneUnavailable(err)) : resolve(c))));
  }
}

/** The message's event; a message brx cannot read is reported by its place, never its content (it may hold an ID number). */
export function envelopeOfMessage(m: Rdkafka.Message): Envelope {
  try {
    return JSON.parse(m.value!.toString()) as Envelope;
  } catch {
    throw new Error(`the message at offset ${m.offset} of ${m.topic} is not a brx event`);
  }
}
