import { isIP } from 'node:net';
import path from 'node:path';

/**
 * Every setting brx reads from the environment, with its default. Validated once at start:
 * a bad value stops the process with a message naming the variable, never a surprise later.
 */
export interface Config {
  readonly home: string;
  readonly databaseUrl: string | undefined;
  readonly host: string;
  /** proxies whose X-Forwarded-* headers are believed (a TLS terminator in front of brx); none by default */
  readonly trustProxy: readonly string[];
  readonly port: number;
  readonly dbPoolSize: number;
  readonly dbStatementTimeoutMs: number;
  readonly bodyLimitBytes: number;
  readonly sessionTtlSeconds: number;
  readonly logLevel: string;
  readonly adminUser: string | undefined;
  readonly adminPassword: string | undefined;
  readonly loginMaxFailures: number;
  readonly auditFlushMaxEntries: number;
  /** access-log groups written at once (AuditWriter `pipeline`) */
  readonly auditGroupsInFlight: number;
  readonly batchMaxRecords: number;
  readonly batchMaxBytes: number;
  readonly verifyPerMinute: number;
  readonly authCacheSeconds: number;
  readonly caseEscalateAfterDays: number;
  readonly caseMaxExtensionDays: number;
  readonly caseBacklogThreshold: number;
  readonly grantExpiryNoticeDays: number;
  readonly schedulerIntervalSeconds: number;
  readonly webhookGiveUpHours: number;
  readonly complaintChannel: string;
  /** hosts a webhook or notify URL may reach over plain http (lower case); https everywhere else */
  readonly outboundHttpHosts: readonly string[];
  /** address ranges (CIDR) outbound calls may reach although private, loopback, link-local … */
  readonly outboundAllowNetworks: readonly string[];
  readonly outboundTimeoutMs: number;
  /** the key-encryption key of stored webhook secrets (base64, 32 bytes); else the key file */
  readonly secretKey: string | undefined;
  /** earlier keys, still read (not written) while `brx keys rotate` moves secrets off them */
  readonly secretKeysPrevious: readonly string[];
  readonly secretKeyFile: string;
  /** the application's own login (not the owner of the tables); when unset brx creates one */
  readonly databaseAppUrl: string | undefined;
  readonly databaseAppRole: string;
  readonly auditKeyFile: string;
  readonly auditCheckpointFile: string;
  readonly auditCheckpointIntervalSeconds: number;
  /** the backbone that carries events to readers: the PostgreSQL log itself, or Kafka */
  readonly eventLog: 'postgres' | 'kafka';
  readonly kafka: KafkaConfig | undefined;
}

export interface KafkaConfig {
  readonly brokers: string;
  /** a dataset's topic is this prefix and the dataset's code */
  readonly topicPrefix: string;
  /** the consumer group of the webhook delivery workers */
  readonly group: string;
  /** librdkafka settings from KAFKA_CONFIG_* (SASL, SSL, an old broker's version), passed through */
  readonly settings: Readonly<Record<string, string>>;
  /** also put the event's metadata in record headers (brokers from 0.11 have them) */
  readonly headers: boolean;
  /** consumers serving reads at once */
  readonly readers: number;
}

/** Documented in README.md § Configuration; keep the two in step. */
export const configDefaults = {
  BRX_HOME: './.brx',
  BRX_HOST: '127.0.0.1',
  BRX_PORT: 8080,
  BRX_TRUST_PROXY: '',
  BRX_DB_POOL_SIZE: 10,
  BRX_DB_STATEMENT_TIMEOUT_MS: 30_000,
  BRX_BODY_LIMIT_BYTES: 17 * 1024 * 1024,
  BRX_SESSION_TTL_SECONDS: 8 * 3600,
  BRX_LOG_LEVEL: 'info',
  BRX_LOGIN_MAX_FAILURES: 5,
  BRX_AUDIT_FLUSH_MAX_ENTRIES: 500,
  BRX_AUDIT_GROUPS_IN_FLIGHT: 1,
  BRX_BATCH_MAX_RECORDS: 5000,
  BRX_BATCH_MAX_BYTES: 16 * 1024 * 1024,
  BRX_VERIFY_PER_MINUTE: 6000,
  BRX_AUTH_CACHE_SECONDS: 5,
  BRX_CASE_ESCALATE_AFTER_DAYS: 3,
  BRX_CASE_MAX_EXTENSION_DAYS: 10,
  BRX_CASE_BACKLOG_THRESHOLD: 20,
  BRX_GRANT_EXPIRY_NOTICE_DAYS: 14,
  BRX_SCHEDULER_INTERVAL_SECONDS: 60,
  BRX_WEBHOOK_GIVE_UP_HOURS: 24,
  BRX_COMPLAINT_CHANNEL: '12345 政务服务便民热线',
  BRX_OUTBOUND_HTTP_HOSTS: '',
  BRX_OUTBOUND_ALLOW_NETWORKS: '',
  BRX_OUTBOUND_TIMEOUT_MS: 10_000,
  /** relative to BRX_HOME */
  BRX_SECRET_KEY_FILE: 'secret-keys.json',
  BRX_DATABASE_APP_ROLE: 'brx_app',
  BRX_AUDIT_KEY_FILE: '<BRX_HOME>/audit-signing-key.pem',
  BRX_AUDIT_CHECKPOINT_FILE: '<BRX_HOME>/audit-checkpoints.ndjson',
  BRX_AUDIT_CHECKPOINT_INTERVAL_SECONDS: 300,
  BRX_EVENT_LOG: 'postgres',
  BRX_KAFKA_TOPIC_PREFIX: 'brx.events.',
  BRX_KAFKA_GROUP: 'brx-delivery',
  BRX_KAFKA_HEADERS: 'false',
  BRX_KAFKA_READERS: 4,
} as const;

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: keyof typeof configDefaults, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return configDefaults[name] as number;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const list = (raw: string | undefined) => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function networks(env: NodeJS.ProcessEnv): string[] {
  const given = list(env.BRX_OUTBOUND_ALLOW_NETWORKS);
  for (const n of given) {
    const [address = '', bits, ...rest] = n.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (!family || rest.length || bits === undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      throw new ConfigError(`BRX_OUTBOUND_ALLOW_NETWORKS must be a comma-separated list of networks such as 127.0.0.0/8 or ::1/128, got "${n}"`);
    }
  }
  return given;
}

/** The value is a key: it is checked, never repeated in the message. */
function key(raw: string, name: string): string {
  if (Buffer.from(raw, 'base64').length !== 32 || !/^[A-Za-z0-9+/]{43}=$/.test(raw)) {
    throw new ConfigError(`${name} must be 32 bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`)`);
  }
  return raw;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.BRX_LOG_LEVEL || configDefaults.BRX_LOG_LEVEL;
  if (!logLevels.includes(logLevel)) {
    throw new ConfigError(`BRX_LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${logLevel}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const databaseAppUrl = env.BRX_DATABASE_APP_URL || undefined;
  if (databaseAppUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseAppUrl)) {
    throw new ConfigError('BRX_DATABASE_APP_URL must be a postgres:// or postgresql:// URL');
  }
  if (databaseAppUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError('BRX_DATABASE_APP_URL needs DATABASE_URL (the owner, who runs the migrations); the embedded database makes its own application role');
  }
  const databaseAppRole = env.BRX_DATABASE_APP_ROLE || configDefaults.BRX_DATABASE_APP_ROLE;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseAppRole)) {
    throw new ConfigError(`BRX_DATABASE_APP_ROLE must be a lower-case SQL identifier (a-z, 0-9, _), got "${databaseAppRole}"`);
  }
  const home = path.resolve(env.BRX_HOME || configDefaults.BRX_HOME);
  if ((env.BRX_ADMIN_PASSWORD ?? '') !== '' && env.BRX_ADMIN_PASSWORD!.length < 12) {
    throw new ConfigError('BRX_ADMIN_PASSWORD must be at least 12 characters long');
  }
  return Object.freeze({
    home,
    databaseUrl,
    host: env.BRX_HOST || configDefaults.BRX_HOST,
    trustProxy: list(env.BRX_TRUST_PROXY),
    port: integer(env, 'BRX_PORT', 0, 65535),
    dbPoolSize: integer(env, 'BRX_DB_POOL_SIZE', 1, 1000),
    dbStatementTimeoutMs: integer(env, 'BRX_DB_STATEMENT_TIMEOUT_MS', 0, 24 * 3600 * 1000),
    bodyLimitBytes: integer(env, 'BRX_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    sessionTtlSeconds: integer(env, 'BRX_SESSION_TTL_SECONDS', 60, 30 * 24 * 3600),
    logLevel,
    adminUser: env.BRX_ADMIN_USER || undefined,
    adminPassword: env.BRX_ADMIN_PASSWORD || undefined,
    loginMaxFailures: integer(env, 'BRX_LOGIN_MAX_FAILURES', 1, 1000),
    auditFlushMaxEntries: integer(env, 'BRX_AUDIT_FLUSH_MAX_ENTRIES', 1, 10_000),
    auditGroupsInFlight: integer(env, 'BRX_AUDIT_GROUPS_IN_FLIGHT', 1, 8),
    batchMaxRecords: integer(env, 'BRX_BATCH_MAX_RECORDS', 1, 100_000),
    batchMaxBytes: integer(env, 'BRX_BATCH_MAX_BYTES', 1024, 1024 * 1024 * 1024),
    verifyPerMinute: integer(env, 'BRX_VERIFY_PER_MINUTE', 1, 10_000_000),
    authCacheSeconds: integer(env, 'BRX_AUTH_CACHE_SECONDS', 0, 300),
    caseEscalateAfterDays: integer(env, 'BRX_CASE_ESCALATE_AFTER_DAYS', 1, 60),
    caseMaxExtensionDays: integer(env, 'BRX_CASE_MAX_EXTENSION_DAYS', 1, 60),
    caseBacklogThreshold: integer(env, 'BRX_CASE_BACKLOG_THRESHOLD', 1, 1_000_000),
    grantExpiryNoticeDays: integer(env, 'BRX_GRANT_EXPIRY_NOTICE_DAYS', 1, 365),
    schedulerIntervalSeconds: integer(env, 'BRX_SCHEDULER_INTERVAL_SECONDS', 0, 86_400),
    webhookGiveUpHours: integer(env, 'BRX_WEBHOOK_GIVE_UP_HOURS', 1, 24 * 30),
    complaintChannel: env.BRX_COMPLAINT_CHANNEL || configDefaults.BRX_COMPLAINT_CHANNEL,
    outboundHttpHosts: list(env.BRX_OUTBOUND_HTTP_HOSTS).map((h) => h.toLowerCase()),
    outboundAllowNetworks: networks(env),
    outboundTimeoutMs: integer(env, 'BRX_OUTBOUND_TIMEOUT_MS', 100, 120_000),
    secretKey: env.BRX_SECRET_KEY ? key(env.BRX_SECRET_KEY, 'BRX_SECRET_KEY') : undefined,
    secretKeysPrevious: list(env.BRX_SECRET_KEY_PREVIOUS).map((k) => key(k, 'BRX_SECRET_KEY_PREVIOUS')),
    secretKeyFile: path.resolve(env.BRX_HOME || configDefaults.BRX_HOME, env.BRX_SECRET_KEY_FILE || configDefaults.BRX_SECRET_KEY_FILE),
    databaseAppUrl,
    databaseAppRole,
    auditKeyFile: path.resolve(home, env.BRX_AUDIT_KEY_FILE || 'audit-signing-key.pem'),
    auditCheckpointFile: path.resolve(home, env.BRX_AUDIT_CHECKPOINT_FILE || 'audit-checkpoints.ndjson'),
    auditCheckpointIntervalSeconds: integer(env, 'BRX_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 0, 86_400),
    ...eventLogConfig(env),
  });
}

function eventLogConfig(env: NodeJS.ProcessEnv): Pick<Config, 'eventLog' | 'kafka'> {
  const eventLog = env.BRX_EVENT_LOG || configDefaults.BRX_EVENT_LOG;
  if (eventLog !== 'postgres' && eventLog !== 'kafka') throw new ConfigError(`BRX_EVENT_LOG must be postgres or kafka, got "${eventLog}"`);
  if (eventLog === 'postgres') return { eventLog, kafka: undefined };
  const brokers = env.KAFKA_BROKERS;
  if (!brokers || !/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/.test(brokers)) {
    throw new ConfigError(`BRX_EVENT_LOG=kafka needs KAFKA_BROKERS: host:port, comma-separated${brokers ? `, got "${brokers}"` : ''}`);
  }
  const topicPrefix = env.BRX_KAFKA_TOPIC_PREFIX ?? configDefaults.BRX_KAFKA_TOPIC_PREFIX;
  if (!/^[A-Za-z0-9._-]{0,120}$/.test(topicPrefix)) throw new ConfigError(`BRX_KAFKA_TOPIC_PREFIX may hold letters, digits, ".", "_" and "-" only (up to 120), got "${topicPrefix}"`);
  const headers = env.BRX_KAFKA_HEADERS || configDefaults.BRX_KAFKA_HEADERS;
  if (headers !== 'true' && headers !== 'false') throw new ConfigError(`BRX_KAFKA_HEADERS must be true or false, got "${headers}"`);
  // KAFKA_CONFIG_SASL_MECHANISMS=PLAIN is librdkafka's sasl.mechanisms; values are never logged
  const settings = Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith('KAFKA_CONFIG_') && value !== undefined)
      .map(([name, value]) => [name.slice('KAFKA_CONFIG_'.length).toLowerCase().replace(/_/g, '.'), value!]),
  );
  return {
    eventLog,
    kafka: {
      brokers,
      topicPrefix,
      group: env.BRX_KAFKA_GROUP || configDefaults.BRX_KAFKA_GROUP,
      settings,
      headers: headers === 'true',
      readers: integer(env, 'BRX_KAFKA_READERS', 1, 64),
    },
  };
}
