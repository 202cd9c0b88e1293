import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { onBehalfOfHeader } from '../../contracts/on-behalf-of.ts';
import { receivingRoutes } from '../auth/guard.ts';

const retryAfter = { type: 'integer', description: 'seconds to wait before trying again' };

/** Every problem status brx sends, as the document describes it. */
const problemStatuses: Record<string, { description: string; headers?: Record<string, unknown> }> = {
  400: { description: 'The request is not valid: `errors` points at each offending field, parameter or header' },
  401: {
    description: 'No valid credential (send Authorization: Bearer <token or API key>), or a wrong username or password',
    headers: { 'www-authenticate': { type: 'string', description: 'Bearer realm="brx"' } },
  },
  403: { description: 'The caller may not do this (its roles, department or grants do not allow it)' },
  404: { description: 'Not found, or not visible to the caller' },
  409: { description: 'The request conflicts with the current state' },
  413: { description: 'The request body is too large' },
  414: { description: 'A path parameter is too long' },
  415: { description: 'The request body type is not supported (send application/json)' },
  429: { description: 'Too many requests or a quota used up', headers: { 'retry-after': retryAfter } },
  500: { description: 'Internal error: quote the request id when you report it' },
  503: { description: 'The database cannot be reached at the moment', headers: { 'retry-after': retryAfter } },
};

const mutating = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The problem statuses a route can answer with. Some follow from what every route shares: any
 * request can be malformed and any database can be away; a guarded route refuses a missing or
 * insufficient credential; a path parameter may name nothing, or be longer than the router takes;
 * a body can be too large, of the wrong type, or conflict with the current state. The rest a
 * route declares itself in `schema.response` (a 404 looked up from the body, a 429 from the read
 * policy).
 */
export function problemStatusesOf(method: string, schema: FastifySchema): string[] {
  const declared = Object.keys(schema.response ?? {}).filter((s) => /^[45]\d\d$/.test(s));
  const statuses = new Set(['400', '500', '503', ...declared]);
  if (schema.security?.length) for (const s of ['401', '403']) statuses.add(s);
  if (schema.params) for (const s of ['404', '414']) statuses.add(s);
  if (mutating.has(method)) for (const s of ['409', '413', '415']) statuses.add(s);
  return [...statuses].sort();
}

/**
 * Problems are sent as application/problem+json (http/problem.ts), each status with its own
 * words; the route's own `4xx`/`5xx` entries only choose fastify's serializer and would tell a
 * client nothing, so the document lists the statuses instead.
 */
function documentProblems({ schema, route }: { schema: FastifySchema; route: RouteOptions }): FastifySchema {
  if (!schema || (schema as { hide?: boolean }).hide) return schema;
  const method = [route.method].flat()[0]!;
  const response: Record<string, unknown> = {};
  for (const [status, entry] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) {
    if (!/^[45]/.test(status)) response[status] = entry;
  }
  for (const status of problemStatusesOf(method, schema)) {
    const { description, headers } = problemStatuses[status] ?? { description: 'A problem' };
    response[status] = { description, ...(headers ? { headers } : {}), content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } };
  }
  return { ...schema, response, ...documentOnBehalfOf(method, route.url, schema) };
}

/** A department's node receives for one of its systems on these routes only (auth/guard.ts). */
function documentOnBehalfOf(method: string, url: string, schema: FastifySchema): Pick<FastifySchema, 'headers'> {
  if (!receivingRoutes.has(`${method} ${url}`)) return {};
  const headers = (schema.headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
  const header = {
    type: 'string',
    format: 'uuid',
    description:
      "Sent by a front-end node only: the id of an active system of the node's department it receives for. The call is then made, authorized and audited as that system (via the node).",
  };
  return { headers: { ...headers, properties: { ...headers.properties, [onBehalfOfHeader]: header } } };
}

/**
 * The OpenAPI document is derived from the same JSON Schemas that validate requests
 * (contracts/api); shared schemas become components named by their `$id`. The integration
 * tests check every response they get against it (test/support/openapi-check.ts).
 */
async function openapiPlugin(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'brx exchange API',
        version: '1',
        description:
          'Government data-sharing exchange with base registries. Errors are application/problem+json (RFC 9457).',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token from POST /v1/auth/login, or a node or system API key',
          },
        },
      },
    },
    transform: ({ schema, url, route }) => ({ schema: documentProblems({ schema, route }), url }),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}

export default fp(openapiPlugin, { name: 'brx-openapi' });
