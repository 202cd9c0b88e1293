import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../exchange/config.ts';
import { loadRdkafka } from '../../exchange/events/kafka/rdkafka.ts';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.home, path.resolve('.brx'));
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dbPoolSize, 10);
    assert.ok(Object.isFrozen(c));
  });

  it('names the variable that is wrong', () => {
    assert.throws(() => loadConfig({ BRX_PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /BRX_PORT/.test(e.message));
    assert.throws(() => loadConfig({ BRX_DB_POOL_SIZE: '0' }), /BRX_DB_POOL_SIZE/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ BRX_ADMIN_PASSWORD: 'short' }), /BRX_ADMIN_PASSWORD/);
    assert.throws(() => loadConfig({ BRX_LOG_LEVEL: 'loud' }), /BRX_LOG_LEVEL/);
  });

  it('switches the event backbone by setting alone, passing librdkafka settings through', () => {
    assert.equal(loadConfig({}).eventLog, 'postgres');
    assert.equal(loadConfig({}).kafka, undefined);
    const c = loadConfig({
      BRX_EVENT_LOG: 'kafka',
      KAFKA_BROKERS: 'kafka-1.gov.local:9093,kafka-2.gov.local:9093',
      KAFKA_CONFIG_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_CONFIG_SASL_MECHANISMS: 'SCRAM-SHA-512',
      KAFKA_CONFIG_SSL_CA_LOCATION: '/etc/brx/kafka-ca.pem',
    });
    assert.equal(c.eventLog, 'kafka');
    assert.deepEqual(c.kafka, {
      brokers: 'kafka-1.gov.local:9093,kafka-2.gov.local:9093',
      topicPrefix: 'brx.events.',
      group: 'brx-delivery',
      settings: { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512', 'ssl.ca.location': '/etc/brx/kafka-ca.pem' },
      headers: false,
      readers: 4,
    });
    assert.throws(() => loadConfig({ BRX_EVENT_LOG: 'kafka' }), (e: Error) => e instanceof ConfigError && /KAFKA_BROKERS/.test(e.message));
    assert.throws(() => loadConfig({ BRX_EVENT_LOG: 'kafka', KAFKA_BROKERS: 'no-port' }), /KAFKA_BROKERS.*no-port/);
    assert.throws(() => loadConfig({ BRX_EVENT_LOG: 'rabbitmq' }), /BRX_EVENT_LOG must be postgres or kafka/);
    assert.throws(() => loadConfig({ BRX_EVENT_LOG: 'kafka', KAFKA_BROKERS: 'k:9092', BRX_KAFKA_TOPIC_PREFIX: 'brx events' }), /BRX_KAFKA_TOPIC_PREFIX/);
  });

  it('asking for Kafka where node-rdkafka is missing says how to install it or stay on PostgreSQL', () => {
    assert.throws(() => loadRdkafka('node-rdkafka-that-is-not-installed'), (e: Error) => {
      assert.match(e.message, /BRX_EVENT_LOG=kafka needs the node-rdkafka package/);
      assert.match(e.message, /npm install node-rdkafka.*allowScripts.*BRX_EVENT_LOG=postgres/s);
      return true;
    });
  });
});
