import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditWriter } from '../audit/writer.ts';
import type { EventLog } from '../events/event-log.ts';

/**
 * Prometheus metrics at /metrics. Labels use the route pattern, never the raw URL, so no
 * record key ends up in a metric.
 */
async function metricsPlugin(app: FastifyInstance, options: { audit: AuditWriter; events: EventLog }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'brx_' });
  const requests = new Counter({
    name: 'brx_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'brx_http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'brx_audit_flushes_total',
    help: 'Group commits of the access log (entries / flushes = mean group size)',
    registers: [registry],
    collect() {
      this.set(options.audit.stats.flushes);
    },
  });
  new Gauge({
    name: 'brx_audit_entries_total',
    help: 'Access-log entries committed by this process',
    registers: [registry],
    collect() {
      this.set(options.audit.stats.entries);
    },
  });
  new Gauge({
    name: 'brx_event_waiters',
    help: 'Long polls waiting for new events in this process',
    registers: [registry],
    collect() {
      this.set(options.events.waiting);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  });
}

export default fp(metricsPlugin, { name: 'brx-metrics' });
