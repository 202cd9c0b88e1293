import type { FastifyInstance } from 'fastify';
import type { EventBatch, EventsQuery, IdParams, ReplayRequest, SubscriptionCreate, SubscriptionPosition } from '../../contracts/generated/api.ts';
import { recordAdminAction } from '../audit/store.ts';
import { principalOf, rule } from '../auth/guard.ts';
import { canReadAudit, type Principal } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { cursorSeal } from '../delivery/cursor.ts';
import { authorize, authorizeRead } from '../policy/read-policy.ts';
import { conflict, invalid } from '../errors.ts';
import { refuseOutboundUrl } from '../outbound/rules.ts';
import { actorOf, describe, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';
import { nextBatch } from './batch.ts';
import { commitPosition, findSubscription, presentSubscription, subscriptionsOf, visibleSubscription, inSnapshot } from './store.ts';

const systems = rule('consuming systems holding a subscribe grant', (p) => p.kind === 'system');
const watchers = rule('the subscribing system, auditors and platform admins', (p) => p.kind === 'system' || canReadAudit(p));

/** How many pages of events outside a grant's rows one long poll skips before answering with the moved position. */
const maxSkippedPages = 10;

/**
 * 订阅: a consuming system follows a dataset's changes through its subscribe grant, pulling with
 * long polls and acknowledging, or receiving signed webhook batches (subscriptions/webhooks.ts).
 * Delivery is at-least-once and in offset order (so in order per record key); each delivered
 * batch is written to the access log with the keys it carried.
 */
export async function subscriptionRoutes(app: FastifyInstance, { db }: { db: Db }) {
  const now = () => app.clock.now();
  const visible = (id: string, p: Principal) => visibleSubscription(db, id, p, canReadAudit(p));

  app.post<{ Body: SubscriptionCreate }>('/v1/subscriptions', {
    config: { access: systems },
    schema: {
      ...describe('subscriptions', 'Subscribe to a dataset: pull (long poll + ack) or webhook; from now, the beginning (snapshot) or an offset'),
      body: ref('SubscriptionCreate'),
      response: { 201: ref('Subscription'), 404: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const access = await authorizeRead(app, request, b.dataset, 'subscribe');
      const system = principalOf(request) as Extract<Principal, { kind: 'system' }>;
      if (b.delivery === 'webhook' && (!b.url || !b.secret)) {
        throw invalid('A webhook subscription needs a url and a secret', [
          ...(b.url ? [] : [{ in: 'body' as const, pointer: '/url', message: 'where to POST batches' }]),
          ...(b.secret ? [] : [{ in: 'body' as const, pointer: '/secret', message: 'at least 16 characters; batches are signed with it' }]),
        ]);
      }
      if (b.delivery === 'webhook') refuseOutboundUrl(app.outbound, b.url!, '/url');
      const start = b.start ?? 'now';
      if ((start === 'offset') !== (b.offset !== undefined)) {
        throw invalid('offset goes with start=offset, and only there', [{ in: 'body', pointer: '/offset', message: 'give an offset with start=offset' }]);
      }
      const head = await app.events.head(access.dataset.id);
      if (b.offset !== undefined && b.offset > head) throw conflict(`Offset ${b.offset} is beyond the last event (${head}) of ${b.dataset}`);
      // a snapshot, or the history before now, copies the dataset wholesale: that takes the bulk
      // (file) mode, which only a person's decision grants
      if (start === 'beginning' || (b.offset !== undefined && b.offset < head)) await authorize(app, system, b.dataset, 'export', { requestId: request.id });
      const id = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('subscriptions')
          .values({
            system_id: system.systemId,
            dataset_id: access.dataset.id,
            grant_id: access.grant!.id,
            delivery: b.delivery,
            url: b.delivery === 'webhook' ? b.url! : null,
            secret: b.delivery === 'webhook' ? app.secrets.seal(b.secret!, 'subscriptions.secret') : null,
            start,
            cursor: start === 'offset' ? b.offset! : head,
            snapshot_head: start === 'beginning' ? head : null,
            snapshot_after: null,
            origin: start === 'offset' ? b.offset! : head,
            charged_offset: start === 'offset' ? b.offset! : head,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await recordAdminAction(trx, {
          ...actorOf(request),
          action: 'subscription.create',
          departmentId: system.departmentId,
          targetKind: 'subscription',
          targetId: row.id,
          detail: { dataset: b.dataset, delivery: b.delivery, start, from: start === 'offset' ? b.offset : head, grantId: access.grant!.id },
        });
        return row.id;
      });
      return reply.status(201).send(await presentSubscription(db, app.events, (await findSubscription(db, id))!, now()));
    },
  });

  app.get('/v1/subscriptions', {
    config: { access: systems },
    schema: { ...describe('subscriptions', 'Your system’s subscriptions'), response: { 200: ref('SubscriptionList'), ...problemResponses } },
    handler: async (request) => {
      const system = principalOf(request) as Extract<Principal, { kind: 'system' }>;
      const rows = await subscriptionsOf(db, system.systemId);
      return { items: await Promise.all(rows.map((sub) => presentSubscription(db, app.events, sub, now()))) };
    },
  });

  app.get<{ Params: IdParams }>('/v1/subscriptions/:id', {
    config: { access: watchers },
    schema: {
      ...describe('subscriptions', 'A subscription: position, lag (events and seconds behind), last delivery, failures'),
      params: ref('IdParams'),
      response: { 200: ref('Subscription'), ...problemResponses },
    },
    handler: async (request) => presentSubscription(db, app.events, await visible(request.params.id, principalOf(request)), now()),
  });

  app.get<{ Params: IdParams; Querystring: EventsQuery }>('/v1/subscriptions/:id/events', {
    config: { access: systems },
    schema: {
      ...describe('subscriptions', 'Events after the acknowledged position; ?wait= long-polls up to 30 s. Post `next` to /ack when processed'),
      params: ref('IdParams'),
      querystring: ref('EventsQuery'),
      // 410: the position is older than the event backbone retains (re-snapshot)
      response: { 200: ref('EventBatch'), 410: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request, reply): Promise<EventBatch> => {
      const p = principalOf(request);
      const sub = await visible(request.params.id, p);
      if (sub.delivery !== 'pull') throw conflict('This subscription is delivered by webhook; replay it to receive events again');
      const access = await authorizeRead(app, request, sub.dataset_code, 'subscribe');
      // a snapshot is a bulk copy for as long as it runs: the file mode must still be granted
      if (inSnapshot(sub)) await authorize(app, p, sub.dataset_code, 'export', { requestId: request.id });
      const seal = await cursorSeal(db);
      const { limit = 100, wait = 0 } = request.query;
      const deadline = Date.now() + wait * 1000;
      const stop = new AbortController();
      reply.raw.on('close', () => stop.abort());
      let from = sub.cursor;
      let batch = await nextBatch(db, app.events, seal, access, sub, limit, now(), from);
      // a spent daily quota is answered at once: waiting would not bring anything before midnight
      for (let skipped = 0; batch.events.length === 0 && !batch.quotaRenewsAt && !stop.signal.aborted; ) {
        if (batch.moved) {
          if (++skipped >= maxSkippedPages) break;
        } else {
          const left = deadline - Date.now();
          if (left <= 0 || !(await app.events.wait(sub.dataset_id, from, left, stop.signal))) break;
        }
        from = (batch.next.offset ?? from) as number;
        batch = await nextBatch(db, app.events, seal, access, sub, limit, now(), from);
      }
      if (batch.events.length) {
        await app.audit.record(
          access.entry({
            mode: 'subscribe',
            outcome: 'ok',
            subjectKeys: batch.subjectKeys,
            recordCount: batch.events.filter((e) => e.type !== 'marker').length,
            query: { subscription: sub.id, after: sub.cursor },
            operator: operatorOf(request),
            requestId: request.id,
          }),
        );
      }
      return { subscription: sub.id, events: batch.events, next: batch.next, ...(batch.quotaRenewsAt ? { quotaRenewsAt: batch.quotaRenewsAt.toISOString() } : {}) };
    },
  });

  app.post<{ Params: IdParams; Body: SubscriptionPosition }>('/v1/subscriptions/:id/ack', {
    config: { access: systems },
    schema: {
      ...describe('subscriptions', 'Acknowledge processed events: post the batch’s `next` ({offset} or, during a snapshot, {cursor})'),
      params: ref('IdParams'),
      body: ref('SubscriptionPosition'),
      response: { 200: ref('Subscription'), ...problemResponses },
    },
    handler: async (request) => {
      const sub = await visible(request.params.id, principalOf(request));
      await commitPosition(db, app.events, await cursorSeal(db), sub, request.body, now());
      return presentSubscription(db, app.events, (await findSubscription(db, sub.id))!, now());
    },
  });

  app.post<{ Params: IdParams; Body: ReplayRequest }>('/v1/subscriptions/:id/replay', {
    config: { access: systems },
    schema: {
      ...describe('subscriptions', 'Deliver again from a retained offset, or from a new snapshot; also retries a failing webhook at once'),
      params: ref('IdParams'),
      body: ref('ReplayRequest'),
      response: { 200: ref('Subscription'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request) => {
      const sub = await visible(request.params.id, principalOf(request));
      const access = await authorizeRead(app, request, sub.dataset_code, 'subscribe');
      const head = await app.events.head(sub.dataset_id);
      const { offset, snapshot } = request.body;
      if (offset !== undefined && offset > head) throw conflict(`Offset ${offset} is beyond the last event (${head})`);
      // again what it had: free; history from before the subscription began, or a snapshot: a bulk copy
      if (snapshot || offset! < sub.origin) await authorize(app, access.principal, sub.dataset_code, 'export', { requestId: request.id });
      // a snapshot delivers the records as they are at the head, then the changes after it
      // a new snapshot is a new bulk copy: its records count against the grant's quota again
      const position = snapshot ? { cursor: head, snapshot_head: head, charged_key: null } : { cursor: offset!, snapshot_head: null };
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('subscriptions')
          .set({ ...position, snapshot_after: null, status: 'active', attempts: 0, next_attempt_at: null, failing_since: null })
          .where('id', '=', sub.id)
          .execute();
        await recordAdminAction(trx, {
          ...actorOf(request),
          action: 'subscription.replay',
          targetKind: 'subscription',
          targetId: sub.id,
          detail: snapshot ? { snapshot: true, head, was: sub.cursor } : { from: offset, was: sub.cursor },
        });
      });
      return presentSubscription(db, app.events, (await findSubscription(db, sub.id))!, now());
    },
  });

  app.delete<{ Params: IdParams }>('/v1/subscriptions/:id', {
    config: { access: systems },
    schema: { ...describe('subscriptions', 'Cancel a subscription'), params: ref('IdParams'), response: { 204: { type: 'null' }, ...problemResponses } },
    handler: async (request, reply) => {
      const sub = await visible(request.params.id, principalOf(request));
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('subscriptions').set({ status: 'cancelled' }).where('id', '=', sub.id).execute();
        await recordAdminAction(trx, { ...actorOf(request), action: 'subscription.cancel', targetKind: 'subscription', targetId: sub.id });
      });
      return reply.status(204).send();
    },
  });

}
