import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/database.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import type { Principal } from './principal.ts';
import { findPrincipal, forgetCredentials, systemForNode } from './store.ts';

import { onBehalfOfHeader } from '../../contracts/on-behalf-of.ts';
/** What a receiving job does for its system: read the dataset, hold a pull subscription, follow and acknowledge it. */
export const receivingRoutes: ReadonlySet<string> = new Set([
  'GET /v1/datasets/:code',
  'POST /v1/subscriptions',
  'GET /v1/subscriptions',
  'GET /v1/subscriptions/:id',
  'GET /v1/subscriptions/:id/events',
  'POST /v1/subscriptions/:id/ack',
]);
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who may call a route: a named rule over the principal and the request (path params). */
export interface Rule {
  readonly who: string;
  readonly allow: (p: Principal, request: FastifyRequest) => boolean;
}

export type Access = 'public' | Rule;

export function rule(who: string, allow: Rule['allow']): Rule {
  return { who, allow };
}

export const anyone = rule('any authenticated caller', () => true);

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** every `/v1` route as "METHOD /path", with the rule that guards it */
    readonly v1Routes: { method: string; url: string; who: string }[];
  }
}

/**
 * Deny by default. Every route must declare `config.access`, or the server refuses to start;
 * everything but `public` routes needs a live bearer credential (401), and then the route's rule
 * (403). Ownership that needs the database (this node belongs to that department) is checked
 * again by the command itself.
 */
async function guardPlugin(app: FastifyInstance, options: { db: Db; cacheSeconds: number }) {
  app.decorateRequest('principal', null);
  const v1Routes: FastifyInstance['v1Routes'] = [];
  app.decorate('v1Routes', v1Routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') v1Routes.push({ method, url: route.url, who: access === 'public' ? 'anyone' : access.who });
    }
  });
  // Identity changes clear the machine-credential cache in their commands, and once more after
  // they have committed: a look-up racing the transaction cannot keep a revoked key alive.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && /^\/v1\/(departments|users|auth\/logout)/.test(request.url)) forgetCredentials();
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    // no rule: an unmatched URL on its way to the 404 handler (every real /v1 route has one)
    if (access === 'public' || access === undefined) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw unauthenticated();
    let principal = await findPrincipal(options.db, match[1]!, options.cacheSeconds * 1000);
    if (!principal) throw unauthenticated('The credential is unknown, expired or revoked');
    const behalf = request.headers[onBehalfOfHeader];
    if (behalf !== undefined) {
      if (principal.kind !== 'node') throw forbidden(`Only a front-end node may act for a system (${onBehalfOfHeader})`);
      const route = `${request.method} ${request.routeOptions.url}`;
      if (!receivingRoutes.has(route)) throw forbidden(`${onBehalfOfHeader} is for receiving (a dataset, pull subscriptions), not for ${route}`);
      const system = typeof behalf === 'string' && uuid.test(behalf) ? await systemForNode(options.db, principal, behalf, options.cacheSeconds * 1000) : null;
      if (!system) throw forbidden(`${onBehalfOfHeader}: not an active system of this node's department`);
      principal = system;
    }
    request.principal = principal;
    // before the body is read: a caller who may not call the route learns nothing about it
    if (!access.allow(principal, request)) throw forbidden(`Only ${access.who} may do this`);
  });
}

export default fp(guardPlugin, { name: 'brx-guard' });

/** The principal of an authenticated route (the guard has already refused anonymous calls). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}
