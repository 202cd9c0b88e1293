import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

/**
 * Logs never carry personal data in clear. URLs may hold ID numbers (record keys) and query
 * values (a searched name), so the logged URL keeps the path with ID-number-like segments
 * masked and the query string's keys only.
 */
const idNumberLike = /\b(\d{6})\d{8,11}([\dXx])\b/g;

export function redactUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const maskedPath = decodeSafe(path).replace(idNumberLike, (_, head: string, tail: string) => `${head}********${tail}`);
  if (query === undefined) return maskedPath;
  const keys = query
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=*`);
  return `${maskedPath}?${keys.join('&')}`;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function loggerOptions(level: string) {
  return {
    level,
    // headers are not logged at all: Authorization and X-Operator hold secrets and ID numbers
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
      },
    },
  };
}

/** A caller's X-Request-Id when it is a sane token, else a new one; echoed on the response. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
}
