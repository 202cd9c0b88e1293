import { apiSchemas } from '../../contracts/index.ts';
import type { FastifyRequest } from 'fastify';
import type { AdminEntry } from '../audit/entries.ts';
import { principalOf } from '../auth/guard.ts';

/** Problem responses every authenticated route may give, for the OpenAPI document. */
export const problemResponses = {
  '4xx': { $ref: 'Problem#' },
  '5xx': { $ref: 'Problem#' },
} as const;

export const ref = (id: string) => ({ $ref: `${id}#` });

/**
 * A contract's schema copied in place rather than referenced: fastify matches header names
 * case-insensitively only in a schema it can see (headers are lower-cased on arrival).
 */
export function inline(id: string): Record<string, unknown> {
  const schema = apiSchemas.find((s) => s.$id === id);
  if (!schema) throw new Error(`no contract ${id}`);
  const { $id: _id, title: _title, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** OpenAPI facts of a route: tag, summary, and the bearer requirement. */
export function describe(tag: string, summary: string, options: { public?: boolean } = {}) {
  return {
    tags: [tag],
    summary,
    ...(options.public ? { security: [] } : { security: [{ bearer: [] }] }),
  };
}

/** Who acts, for admin audit entries. */
export function actorOf(request: FastifyRequest): Pick<AdminEntry, 'actor' | 'requestId'> {
  return { actor: principalOf(request), requestId: request.id };
}

/**
 * The person a consuming system reads for, as the system vouches in `X-Operator` (an ID number):
 * kept in the access log so the data subject can see who looked, never written to the logs.
 */
export function operatorOf(request: FastifyRequest): string | null {
  const operator = request.headers['x-operator'];
  return typeof operator === 'string' && operator.length <= 64 ? operator : null;
}
