/**
 * The subscription suite again, on the Kafka backbone: pull and webhook subscriptions, snapshots,
 * row scope, quotas and positions must behave exactly as on PostgreSQL.
 */
import { it } from 'node:test';
import { kafkaMissing } from '../support/kafka-broker.ts';

const missing = kafkaMissing();
if (missing) it('the subscription suite on Kafka', { skip: missing }, () => {});
else {
  process.env.BRX_TEST_EVENT_LOG = 'kafka';
  console.log(`Kafka broker: ${process.env.KAFKA_BROKERS}`);
  await import('./subscriptions.test.ts');
}
