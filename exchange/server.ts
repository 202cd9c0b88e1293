import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { apiSchemas } from '../contracts/index.ts';
import { auditRoutes } from './audit/routes.ts';
import { subjectRoutes } from './audit/subject-routes.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { ingestRoutes } from './ingest/routes.ts';
import { recordRoutes } from './records/routes.ts';
import { registryRoutes } from './registries/routes.ts';
import { verifyRoutes } from './verify/routes.ts';
import { calendarRoutes } from './cases/calendar-routes.ts';
import { caseRoutes } from './cases/routes.ts';
import { runCaseScheduler } from './cases/scheduler.ts';
import { buildSearchIndexes } from './catalog/search-indexes.ts';
import { type Clock, systemClock } from './clock.ts';
import { consoleRoutes, pageNotFound } from './console/plugin.tsx';
import type { EventLog } from './events/event-log.ts';
import { PgEventLog } from './events/pg-event-log.ts';
import { KafkaEventLog } from './events/kafka/kafka-event-log.ts';
import { grantRoutes } from './grants/routes.ts';
import { deliverNotifications } from './notifications/outbox.ts';
import { notificationRoutes } from './notifications/routes.ts';
import { statsRoutes } from './stats/routes.ts';
import { subscriptionRoutes } from './subscriptions/routes.ts';
import { deliverWebhooks } from './subscriptions/webhooks.ts';
import { loadOrCreateAuditKey } from './audit/audit-key.ts';
import { AuditCheckpointer } from './audit/checkpointer.ts';
import { VerifyJobs } from './audit/verify-jobs.ts';
import { AuditWriter } from './audit/writer.ts';
import guard from './auth/guard.ts';
import { authRoutes } from './auth/routes.ts';
import type { Config } from './config.ts';
import { type Db, oneAtATime } from './db/database.ts';
import { isDatabaseUnavailable, oncePer } from './db/unavailable.ts';
import { healthRoutes } from './http/health.ts';
import { loggerOptions, requestId } from './http/logging.ts';
import metrics from './http/metrics.ts';
import openapi from './http/openapi.ts';
import { refuseUnsafeInput } from './http/edge.ts';
import problem, { clientErrorHandler, frameworkErrors } from './http/problem.ts';
import { buildRequestValidator } from './http/validators.ts';
import { departmentRoutes } from './identity/department-routes.ts';
import { machineRoutes } from './identity/machine-routes.ts';
import { flagOfflineNodes, nodeSweepLock } from './identity/node-health.ts';
import { nodeHealthRoutes } from './identity/node-health-routes.ts';
import { userRoutes } from './identity/user-routes.ts';
import { outboundRules, type OutboundRules } from './outbound/rules.ts';
import type { SecretBox } from './secrets/keyring.ts';
import { openSecrets } from './secrets/stored.ts';

declare module 'fastify' {
  interface FastifyInstance {
    readonly db: Db;
    /** the tables' owner: only for what needs ownership at run time (search indexes) */
    readonly ownerDb: Db;
    readonly audit: AuditWriter;
    readonly checkpoints: AuditCheckpointer;
    readonly config: Config;
    readonly clock: Clock;
    readonly events: EventLog;
    /** webhook and notification secrets, encrypted at rest */
    readonly secrets: SecretBox;
    /** where webhooks and notifications may be sent */
    readonly outbound: OutboundRules;
  }
}

export interface AppOptions {
  readonly config: Config;
  readonly db: Db;
  /**
   * The tables' owner, for building search indexes (CREATE INDEX needs ownership); `db` is the
   * application's own role, which owns nothing. Defaults to `db`.
   */
  readonly ownerDb?: Db;
  /** pino options, or false for none (tests) */
  readonly logger?: boolean | Record<string, unknown>;
  /** the time as brx sees it: deadlines, escalations, grant validity (tests set it) */
  readonly clock?: Clock;
}

/**
 * Assembles the exchange: shared concerns as plugins (errors, guard, metrics, OpenAPI), then one
 * route plugin per capability. Closing the app flushes the audit writer; the database belongs
 * to whoever created it.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, db } = options;
  const serverOptions: FastifyServerOptions = {
    logger: options.logger === undefined ? loggerOptions(config.logLevel) : options.logger,
    genReqId: requestId,
    bodyLimit: config.bodyLimitBytes,
    // a record key may be 200 characters, 1,800 once a Chinese key is percent-encoded in the path
    routerOptions: { maxParamLength: 2000 },
    // bodies are validated without coercion, URL parts and headers with it (http/validators.ts)
    schemaController: { compilersFactory: { buildValidator: buildRequestValidator } },
    return503OnClosing: true,
    // registering the routes compiles a few hundred schemas: on a busy two-core machine that can
    // pass fastify's default 10 s, which would stop the start for no fault
    pluginTimeout: 60_000,
    clientErrorHandler,
    frameworkErrors,
    forceCloseConnections: 'idle',
    // behind a TLS terminator the console's cookies are Secure only if its X-Forwarded-Proto is believed
    ...(config.trustProxy.length ? { trustProxy: [...config.trustProxy] } : {}),
  };
  // before anything listens: the wrong key file stops the start here, with a message
  const secrets = await openSecrets(config, db);
  const app = Fastify(serverOptions);
  app.decorate('secrets', secrets);
  app.decorate('outbound', outboundRules(config));
  const audit = new AuditWriter(db, { maxBatch: config.auditFlushMaxEntries, pipeline: config.auditGroupsInFlight });
  const clock = options.clock ?? systemClock;
  const checkpoints = new AuditCheckpointer(db, {
    file: config.auditCheckpointFile,
    key: await loadOrCreateAuditKey(config.auditKeyFile),
    clock,
    warn: (msg) => app.log.warn(msg),
  });
  const verifyJobs = new VerifyJobs(db, checkpoints, () => clock.now());
  app.decorate('db', db);
  app.decorate('ownerDb', options.ownerDb ?? db);
  app.decorate('audit', audit);
  app.decorate('checkpoints', checkpoints);
  app.decorate('config', config);
  app.decorate('clock', clock);
  const events: EventLog = config.eventLog === 'kafka' ? new KafkaEventLog(db, config.kafka!, (m) => app.log.warn(m)).start() : new PgEventLog(db);
  app.decorate('events', events);
  // While closing, answers in flight ask their clients to hang up: otherwise a kept-alive
  // connection holds shutdown open until the keep-alive timeout (72 s by default).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // long polls answer "nothing new" now, instead of holding shutdown for up to 30 s
    await events.close();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    await audit.close();
    // after the last entries are in: the shutdown checkpoint covers them
    await checkpoints.close();
  });
  // A POST without a body means an empty object, so `curl -X POST …/publish` works as expected.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  // one place refuses text, numbers and nesting no store can keep (http/edge.ts)
  app.addHook('preValidation', refuseUnsafeInput);
  for (const schema of apiSchemas) app.addSchema(schema);

  await app.register(problem, { pageNotFound });
  await app.register(guard, { db, cacheSeconds: config.authCacheSeconds });
  await app.register(metrics, { audit, events });
  await app.register(openapi);
  await app.register(healthRoutes, { db });
  await app.register(authRoutes, { db, config });
  await app.register(departmentRoutes, { db });
  await app.register(machineRoutes, { db });
  await app.register(nodeHealthRoutes, { db });
  await app.register(userRoutes, { db });
  await app.register(auditRoutes, { db, checkpointer: checkpoints, jobs: verifyJobs });
  await app.register(catalogRoutes, { db });
  await app.register(ingestRoutes, { db, config });
  await app.register(registryRoutes, { db });
  await app.register(recordRoutes, { db });
  await app.register(verifyRoutes, { db, config });
  await app.register(caseRoutes, { db });
  await app.register(calendarRoutes, { db });
  await app.register(grantRoutes, { db });
  await app.register(notificationRoutes, { db });
  await app.register(subscriptionRoutes, { db });
  await app.register(subjectRoutes, { db });
  await app.register(statsRoutes, { db });
  await app.register(consoleRoutes);
  startBackgroundJobs(app);
  checkpoints.start(config.auditCheckpointIntervalSeconds);
  return app;
}

/**
 * Timed work of the exchange: case deadlines and escalations every scheduler interval, search
 * indexes and webhook notifications every few seconds, subscription webhooks every second. BRX_SCHEDULER_INTERVAL_SECONDS=0 turns them all off (tests run
 * them by hand with a controlled clock).
 */
function startBackgroundJobs(app: FastifyInstance): void {
  const seconds = app.config.schedulerIntervalSeconds;
  if (seconds === 0) return;
  const running = new Set<Promise<unknown>>();
  const busy = new Set<string>();
  // While the database is away every turn fails the same way: one warning a minute per job, and
  // the next turn after the database is back simply succeeds.
  const tell = oncePer(60_000);
  const failed = (name: string, error: unknown) => {
    if (!isDatabaseUnavailable(error)) app.log.error({ err: error }, `${name} failed`);
    else if (tell(name)) app.log.warn(`${name}: the database cannot be reached; trying again on the next turn`);
  };
  // a job still running when its next turn comes skips that turn; shutdown waits for running jobs
  const run = (name: string, job: () => Promise<unknown>) => () => {
    if (busy.has(name)) return;
    busy.add(name);
    const p = job()
      .catch((error) => failed(name, error))
      .finally(() => {
        busy.delete(name);
        running.delete(p);
      });
    running.add(p);
  };
  const timers = [
    setInterval(run('case scheduler', () => runCaseScheduler(app.db, app.clock.now(), app.config)), seconds * 1000),
    setInterval(run('node heartbeats', () => oneAtATime(app.db, nodeSweepLock, (trx) => flagOfflineNodes(trx, app.clock.now()))), seconds * 1000),
    // search indexes are built here, never in the publishing request; the first turn comes at start
    setInterval(run('search indexes', () => buildSearchIndexes(app.ownerDb, (m) => app.log.info(m))), Math.min(seconds, 5) * 1000),
    setInterval(run('notification outbox', () => deliverNotifications(app)), Math.min(seconds, 5) * 1000),
    // a round delivers one batch per due subscription; the next second takes the next batches
    setInterval(
      run('subscription webhooks', async () => {
        for (let round = 0; round < 20 && (await deliverWebhooks(app)) > 0; round++);
      }),
      1000,
    ),
  ];
  for (const t of timers) t.unref();
  run('search indexes', () => buildSearchIndexes(app.ownerDb, (m) => app.log.info(m)))();
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(running);
  });
}
