import { createRequire } from 'node:module';
import type * as Rdkafka from 'node-rdkafka';
import type { KafkaConfig } from '../../config.ts';
import type { StoredEvent } from '../event-log.ts';

export type { Rdkafka };

/**
 * node-rdkafka is an optional dependency (it builds librdkafka at install): brx installs and runs
 * on PostgreSQL without it, and asking for Kafka without it stops the start with this message.
 */
export function loadRdkafka(moduleName = 'node-rdkafka'): typeof Rdkafka {
  try {
    return createRequire(import.meta.url)(moduleName) as typeof Rdkafka;
  } catch (error) {
    throw new Error(
      `BRX_EVENT_LOG=kafka needs the node-rdkafka package, which is not installed or did not build (${(error as Error).message.split('\n')[0]}). ` +
        'Install it with `npm install node-rdkafka` (npm must be allowed to run its build: "allowScripts" in package.json), or set BRX_EVENT_LOG=postgres.',
    );
  }
}

/** librdkafka settings every client of brx takes: the brokers, then what the operator passed through. */
export function clientSettings(kafka: KafkaConfig, clientId: string): Record<string, string | number | boolean> {
  return {
    'metadata.broker.list': kafka.brokers,
    'client.id': clientId,
    'socket.keepalive.enable': true,
    // a broker that went away is tried again soon, so delivery resumes within a second or two
    'reconnect.backoff.max.ms': 2000,
    ...kafka.settings,
  };
}

/** A dataset's topic: the prefix and its code, with characters a topic name cannot hold replaced. */
export const topicOf = (kafka: KafkaConfig, datasetCode: string) => `${kafka.topicPrefix}${datasetCode.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 249);

/** The message value: the event with its dataset and offset, so no header is needed (a 0.9 broker has none). */
export interface Envelope {
  readonly v: 1;
  readonly datasetId: string;
  readonly offset: number;
  readonly key: string;
  readonly op: 'upsert' | 'delete';
  readonly data: unknown;
  readonly contractVersion: string;
  readonly sourceTime: string;
  readonly committedAt: string;
  readonly batchId: string;
  readonly dispute: unknown;
}

export function envelopeOf(e: StoredEvent): Envelope {
  return {
    v: 1,
    datasetId: e.datasetId,
    offset: e.offset,
    key: e.key,
    op: e.op,
    data: e.data,
    contractVersion: e.contractVersion,
    sourceTime: e.sourceTime.toISOString(),
    committedAt: e.committedAt.toISOString(),
    batchId: e.batchId,
    dispute: e.dispute ?? null,
  };
}

/** The stored event an envelope carries (the inverse of envelopeOf). */
export function storedOf(e: Envelope): StoredEvent {
  return {
    datasetId: e.datasetId,
    offset: e.offset,
    key: e.key,
    op: e.op,
    data: e.data,
    contractVersion: e.contractVersion,
    sourceTime: new Date(e.sourceTime),
    committedAt: new Date(e.committedAt),
    batchId: e.batchId,
    dispute: (e.dispute as StoredEvent['dispute']) ?? null,
  };
}

/** librdkafka settings as the environment spells them (`KAFKA_CONFIG_API_VERSION_REQUEST` for `api.version.request`). */
export const settingsEnv = (settings: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [`KAFKA_CONFIG_${k.replace(/\./g, '_').toUpperCase()}`, v]));
