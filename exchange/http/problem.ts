import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorObject } from 'ajv';
import { pointedErrors } from '../ajv-errors.ts';
import { isDatabaseUnavailable, oncePer } from '../db/unavailable.ts';
import { BrxError, type ErrorCode, errorCodes, type FieldError } from '../errors.ts';
import { NotRetained } from '../events/event-log.ts';

/** Seconds a caller is asked to wait while the database is away (a restart takes a few). */
const retryAfterSeconds = '5';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  errors: FieldError[];
}

/** Fastify's request-validation errors, with pointers into the part of the request they concern. */
function fieldErrors(errors: ErrorObject[], where: FieldError['in']): FieldError[] {
  return pointedErrors(errors, undefined).map((e) => ({ in: where, ...e }));
}

const byFastifyCode: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BRX_ERR_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BRX_ERR_MALFORMED_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BRX_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BRX_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BRX_ERR_MALFORMED_BODY',
  FST_ERR_BAD_URL: 'BRX_ERR_VALIDATION',
  FST_ERR_MAX_PARAM_LENGTH: 'BRX_ERR_URI_TOO_LONG',
};

/** Fastify's words for the refusals it makes itself, in words that say what to change. */
const fastifyDetail: Record<string, string> = {
  FST_ERR_BAD_URL: 'A path segment is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than any identifier brx uses',
};

function toProblem(error: FastifyError | BrxError | Error, request: FastifyRequest): Problem {
  const base = (code: ErrorCode, detail: string, errors: FieldError[] = []): Problem => ({
    type: `urn:brx:problem:${code.slice('BRX_ERR_'.length).toLowerCase().replace(/_/g, '-')}`,
    title: errorCodes[code].title,
    status: errorCodes[code].status,
    detail,
    code,
    instance: request.url.split('?')[0],
    requestId: request.id,
    errors,
  });
  if (error instanceof BrxError) return base(error.code, error.message, [...error.errors]);
  const fe = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
  if (fe.validation) {
    const where = ({ querystring: 'query', body: 'body', params: 'params', headers: 'headers' } as const)[
      fe.validationContext as 'body'
    ];
    const errors = fieldErrors(fe.validation, where ?? 'body');
    return base('BRX_ERR_VALIDATION', `${errors.length} problem(s) in the request ${where ?? 'body'}`, errors);
  }
  const mapped = fe.code ? byFastifyCode[fe.code] : undefined;
  if (mapped) return base(mapped, (fe.code && fastifyDetail[fe.code]) ?? fe.message);
  // A unique violation the store did not anticipate is still the caller's conflict, not our fault.
  if ((error as { code?: string }).code === '23505') {
    return base('BRX_ERR_CONFLICT', 'A record with the same identifying values already exists');
  }
  if (error instanceof NotRetained) {
    return base(
      'BRX_ERR_NOT_RETAINED',
      `${error.message}: the events after offset ${error.after} are older than the event backbone keeps (its oldest is ${error.oldest}). Take a new snapshot: POST /v1/subscriptions/{id}/replay with {"snapshot": true}`,
    );
  }
  if (isDatabaseUnavailable(error)) {
    return base('BRX_ERR_UNAVAILABLE', 'The database cannot be reached at the moment; try again shortly');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { ...base('BRX_ERR_VALIDATION', fe.message), status: fe.statusCode, title: 'The request is not valid' };
  }
  return base('BRX_ERR_INTERNAL', 'The exchange hit an internal error; quote the request id when you report it');
}

const tellOutage = oncePer(60_000);

/** One warning per outage (at most one a minute), not one per request that met it. */
function logUnavailable(request: FastifyRequest, error: unknown): void {
  const cause = String((error as Error).message);
  if (tellOutage()) request.log.warn({ cause }, 'database unavailable: requests get 503 until it answers again');
  else request.log.debug({ cause }, 'database unavailable');
}

/**
 * A request the HTTP parser refuses before any route sees it (raw non-ASCII in the URL, a
 * malformed request line) still gets a problem document, not fastify's plain JSON.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    type: 'urn:brx:problem:malformed-request',
    title: 'The request could not be read',
    status,
    detail: 'The request line or headers are malformed (for example raw non-ASCII characters in the URL: percent-encode them)',
    code: 'BRX_ERR_VALIDATION',
    errors: [],
  });
  socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Refusals fastify makes before routing (a path segment that is not valid percent-encoding, or
 * too long for a parameter) go through the same problem document as every other error.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error, request);
  request.log.info({ code: problem.code, status: problem.status }, 'request refused');
  reply.status(problem.status).type('application/problem+json').send(problem);
}

async function problemPlugin(app: FastifyInstance, options: { pageNotFound?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply }) {
  app.setErrorHandler((error: FastifyError | BrxError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, request);
    if (problem.code === 'BRX_ERR_UNAVAILABLE') logUnavailable(request, error);
    else if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    if (error instanceof BrxError) reply.headers(error.headers);
    if (problem.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', retryAfterSeconds);
    return reply.status(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    // a person's browser asking for a page that does not exist gets a page, not JSON
    if (options.pageNotFound && !request.url.startsWith('/v1/') && /text\/html/.test(request.headers.accept ?? '')) return options.pageNotFound(request, reply);
    const problem = toProblem(new BrxError('BRX_ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`), request);
    return reply.status(404).type('application/problem+json').send(problem);
  });
}

export default fp(problemPlugin, { name: 'brx-problem' });
