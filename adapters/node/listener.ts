import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Row } from './mapping.ts';
import type { NodeMetrics } from './status.ts';

export interface PushAnswer {
  readonly accepted: number;
  readonly rejected: readonly { row: number; field: string; problem: string }[];
}

/** The http-intake jobs that are ready (their contract is known) to take pushes. */
export class Intake {
  readonly #jobs = new Map<string, (rows: Row[]) => PushAnswer | null>();
  /** `take` answers null when the spool is full (the exchange has been away long): push again later. */
  accept(job: string, take: (rows: Row[]) => PushAnswer | null): void {
    this.#jobs.set(job, take);
  }
  take(job: string): ((rows: Row[]) => PushAnswer | null) | undefined {
    return this.#jobs.get(job);
  }
}

const maxBody = 16 * 1024 * 1024;

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const problem = status >= 400;
  res.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(problem ? { type: 'about:blank', title: String(body), status, detail: String(body) } : body));
}

async function bodyOf(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > maxBody) return null;
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

/** A JSON array of objects, one object, or NDJSON: the rows a business system pushed, or why not. */
function rowsOf(body: Buffer, contentType: string | undefined): Row[] | string {
  const text = body.toString('utf8');
  try {
    if (/ndjson|jsonl/i.test(contentType ?? '')) return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
    const value = JSON.parse(text) as unknown;
    const rows = Array.isArray(value) ? value : [value];
    if (rows.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) return 'each row must be a JSON object';
    return rows as Row[];
  } catch (error) {
    return `the body is not JSON: ${(error as Error).message}`;
  }
}

/**
 * The node's own listener, on localhost unless configured otherwise: business systems push rows
 * (POST /push/{job} with the node's intake key; the answer comes once the rows are in the spool,
 * with every rejected row and why), and operators read GET /status and GET /metrics.
 */
export function listen(options: {
  host: string;
  port: number;
  key: string | null;
  intake: Intake;
  /** the http-intake jobs of the configuration */
  pushJobs: ReadonlySet<string>;
  status: () => unknown;
  metrics: NodeMetrics;
}): Promise<Server> {
  const key = options.key ? Buffer.from(options.key) : null;
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
    return key !== null && given.length === key.length && timingSafeEqual(given, key);
  };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://node');
      if (req.method === 'GET' && url.pathname === '/status') return answer(res, 200, options.status());
      if (req.method === 'GET' && url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        return res.end(await options.metrics.registry.metrics());
      }
      const push = /^\/push\/([a-z0-9-]+)$/.exec(url.pathname);
      if (!push) return answer(res, 404, 'Nothing here: POST /push/{job}, GET /status, GET /metrics');
      if (req.method !== 'POST') return answer(res, 405, 'Push rows with POST', { allow: 'POST' });
      if (!authorized(req)) return answer(res, 401, 'Give the node’s intake key as Bearer');
      if (!options.pushJobs.has(push[1]!)) return answer(res, 404, `No job ${push[1]} takes pushes here (jobs with source kind http-intake: ${[...options.pushJobs].join(', ') || 'none'})`);
      const take = options.intake.take(push[1]!);
      if (!take) return answer(res, 503, `Job ${push[1]} is not ready yet (its contract is not known: the exchange has not been reached)`, { 'retry-after': '5' });
      const body = await bodyOf(req);
      if (!body) return answer(res, 413, `A push may carry at most ${maxBody / 1024 / 1024} MiB`);
      const rows = rowsOf(body, req.headers['content-type']);
      if (typeof rows === 'string') return answer(res, 400, rows);
      const taken = take(rows);
      if (!taken) return answer(res, 503, 'The spool is full while the exchange is away; push again later', { 'retry-after': '60' });
      return answer(res, 200, taken);
    } catch (error) {
      // the spool could not take the rows: nothing was accepted, the system pushes again
      answer(res, 503, `The rows were not taken: ${(error as Error).message}`, { 'retry-after': '5' });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
