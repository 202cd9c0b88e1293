import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { OutboundRefused, type OutboundRules, refusedAddress, urlProblem } from './rules.ts';

export interface OutboundResult {
  readonly ok: boolean;
  readonly status?: number;
  /** the class of failure only ("timeout", "HTTP 503", …): never the remote body or raw error text */
  readonly error?: string;
}

/**
 * Resolves a host and refuses it when any of its addresses is out of bounds: a name that answers
 * both a public and a private address is refused rather than tried until it lands inside.
 */
function guardedLookup(rules: OutboundRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const a of found) {
        const refused = refusedAddress(rules, a.address);
        if (refused) return callback(new OutboundRefused(`address not allowed (${refused})`), '', 0);
      }
      if (found.length === 0) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
      // biome-ignore lint/suspicious/noExplicitAny: node calls lookup with all: true (happy eyeballs) or without
      if (options.all) return (callback as any)(null, found);
      callback(null, found[0]!.address, found[0]!.family);
    });
  };
}

const tlsCodes = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH|ERR_CERT)/;

/** The class of a failure, for lastError: what an operator can act on, nothing the remote chose. */
export function failureClass(error: unknown): string {
  if (error instanceof OutboundRefused) return error.failure;
  const code = (error as { code?: string })?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA' || code === 'ENODATA') return 'DNS lookup failed';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN') return 'host unreachable';
  if (tlsCodes.test(code) || /ssl|tls|certificate/i.test((error as Error)?.message ?? '')) return 'TLS error';
  return 'connection failed';
}

/**
 * For a URL given by host name, "no such name" and "resolves to a refused range" are told as one:
 * lastError is shown to the consumer who chose the URL, and the difference would let them map the
 * exchange's internal DNS (which names exist inside, and in which ranges). An IP literal keeps its
 * precise reason: the consumer wrote that address and learns nothing new.
 */
export const hostRefused = 'host not allowed or not found';

/** The failure classes (prefixes) of a POST whose body never left brx: refused by the rules, no address, nothing listening. */
export const nothingSentFailures = ['connection refused', 'DNS lookup failed', 'host unreachable', 'address not allowed', 'URL not allowed', hostRefused] as const;

const hiddenForNames = (failure: string) => failure === 'DNS lookup failed' || failure.startsWith('address not allowed');

/** The failure class of a URL refused before any lookup (scheme, IP literal), or null. */
export function staticRefusal(rules: OutboundRules, url: string): string | null {
  const problem = urlProblem(rules, url);
  if (!problem) return null;
  return problem.startsWith('address not allowed') ? problem : `URL not allowed (${problem.replace(/ \(.*\)$/, '')})`;
}

/**
 * POSTs a body under the outbound rules. The address is checked three times: an IP literal
 * before anything (Node skips `lookup` for those), every resolved address in `lookup`, and the
 * address the socket actually connected to, so neither a rebinding DNS answer nor a literal slips
 * through. No redirects (a 3xx is a failure), no connection reuse, and one timer covers the
 * lookup, the connection and the answer's status line. Headers are built when the request
 * leaves, so a signature's timestamp is the time of this attempt.
 */
export function postOutbound(rules: OutboundRules, url: string, body: string, headers: () => Record<string, string>): Promise<OutboundResult> {
  const refused = staticRefusal(rules, url);
  if (refused) return Promise.resolve({ ok: false, error: refused });
  const target = new URL(url);
  const byName = !isIP(target.hostname.replace(/^\[|\]$/g, ''));
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...headers(), 'content-length': String(Buffer.byteLength(body)) },
    agent: false,
    lookup: guardedLookup(rules),
  };
  return new Promise((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const done = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(byName && result.error && hiddenForNames(result.error) ? { ...result, error: hostRefused } : result);
    };
    const timer = setTimeout(() => {
      done({ ok: false, error: 'timeout' });
      req?.destroy();
    }, rules.timeoutMs);
    const onResponse = (res: IncomingMessage) => {
      const remote = res.socket?.remoteAddress;
      const refused = remote ? refusedAddress(rules, remote) : 'no address';
      res.resume(); // the body is not read: nothing of it reaches lastError or the logs
      res.on('error', () => {});
      if (refused) return done({ ok: false, error: `address not allowed (${refused})` });
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
      res.destroy();
    };
    try {
      req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, onResponse);
    } catch (error) {
      return done({ ok: false, error: failureClass(error) });
    }
    req.on('socket', (socket) => {
      // the final check: where the connection really went, before a byte of the body leaves
      // (prepended: the request's own listener flushes the buffered body on the same event)
      socket.prependOnceListener('connect', () => {
        const remote = socket.remoteAddress;
        const refused = remote && isIP(remote) ? refusedAddress(rules, remote) : 'no address';
        if (refused) req!.destroy(new OutboundRefused(`address not allowed (${refused})`));
      });
    });
    req.on('error', (error) => done({ ok: false, error: failureClass(error) }));
    req.end(body);
  });
}
