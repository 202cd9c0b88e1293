import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../../contracts/generated/api.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { ApiError, consoleProblem } from './api.ts';
import { contextOf, localPath, type PageHandler, sendPage } from './context.ts';
import { common, langCookie, langOf } from './i18n.ts';
import { auditPages } from './pages/audit.tsx';
import { casePages } from './pages/cases.tsx';
import { catalogPages } from './pages/catalog.tsx';
import { dashboardPages } from './pages/dashboard.tsx';
import { grantPages } from './pages/grants.tsx';
import { loginPages } from './pages/login.tsx';
import { publishingPages } from './pages/publishing.tsx';
import { requestPages } from './pages/requests.tsx';
import { csrfBinding, clearSession, viewerOf } from './session.ts';
import { Bare, ProblemBox } from './ui.tsx';

const here = path.dirname(fileURLToPath(import.meta.url));
const chartJs = path.join(path.dirname(fileURLToPath(import.meta.resolve('chart.js'))), '..', 'dist');

declare module 'fastify' {
  interface FastifyInstance {
    /** a console page at `url` for signed-in people (GET renders, POST acts; both CSRF-safe) */
    page(method: 'GET' | 'POST', url: string, handler: PageHandler): void;
  }
}

/**
 * The web console, served by the exchange itself at `/`: server-rendered pages (Preact on the
 * server, no script but the charts'), a session cookie, CSRF tokens on every form, and a strict
 * Content-Security-Policy. Everything it shows comes from the JSON API (api.ts).
 */
export async function consoleRoutes(app: FastifyInstance) {
  await app.register(async (c) => {
    // pages, not API: kept out of the OpenAPI document
    c.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true } as typeof route.schema;
    });
    await c.register(cookie);
    await c.register(formbody);
    await c.register(csrf, {
      cookieKey: 'brx_csrf',
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' },
      getUserInfo: csrfBinding,
      getToken: (request) => (request.body as Record<string, string> | undefined)?._csrf,
      csrfOpts: { hmacKey: app.secrets.derive('console-csrf') },
    });
    await c.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      // the console is never framed, never sends its URL to another site
      referrerPolicy: { policy: 'same-origin' },
      // HSTS belongs to whoever terminates TLS in front of brx
      strictTransportSecurity: false,
    });
    await c.register(fastifyStatic, { root: [path.join(here, 'assets'), chartJs], prefix: '/assets/', maxAge: '1h', index: false });

    // A form posted from another origin is refused before anything else, whatever tokens it has.
    c.addHook('onRequest', async (request) => {
      if (request.method !== 'POST') return;
      const origin = request.headers.origin;
      // the host alone: behind a TLS terminator not listed in BRX_TRUST_PROXY the scheme looks like http
      if (origin && hostOf(origin) !== request.host) throw csrfRefusal();
    });
    // a refused token is sent by the plugin as an FST_CSRF_* error, which renderError turns into BRX_ERR_CSRF
    c.addHook('preHandler', (request, reply, done) => (request.method === 'POST' ? c.csrfProtection(request, reply, done) : done()));

    c.decorate('page', (method: 'GET' | 'POST', url: string, handler: PageHandler) => {
      c.route({
        method,
        url,
        handler: async (request, reply) => {
          const viewer = await viewerOf(request);
          if (!viewer) {
            if (method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
            throw new ApiError(401, consoleProblem(401, 'BRX_ERR_UNAUTHENTICATED', 'Not signed in'));
          }
          const ctx = await contextOf(request, reply, viewer);
          const page = await handler(ctx, request, reply);
          // a handler that answered itself (a redirect, a file) returned the reply, which is
          // thenable: awaiting it gave undefined once it was sent
          if (reply.sent || isReply(page) || page === undefined) return reply;
          return sendPage(reply, page);
        },
      });
    });

    c.setErrorHandler(async (error: FastifyError, request, reply) => renderError(error, request, reply));

    c.post('/language', async (request, reply) => {
      const { lang, back } = (request.body ?? {}) as { lang?: string; back?: string };
      reply.setCookie(langCookie, lang === 'en' ? 'en' : 'zh', { path: '/', sameSite: 'strict', httpOnly: true, secure: 'auto', maxAge: 365 * 24 * 3600 });
      return reply.redirect(localPath(back), 303);
    });

    await loginPages(c);
    await dashboardPages(c);
    await catalogPages(c);
    await casePages(c);
    await grantPages(c);
    await requestPages(c);
    await publishingPages(c);
    await auditPages(c);
  });
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

const isReply = (v: unknown): v is FastifyReply => typeof v === 'object' && v !== null && 'sent' in v && 'raw' in v;

function csrfRefusal(): ApiError {
  return new ApiError(403, consoleProblem(403, 'BRX_ERR_CSRF', 'Cross-site request refused: the form did not come from this console'));
}

/** The page for a URL that is neither a console page nor an API route. */
export function pageNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return errorPage(request, reply, consoleProblem(404, 'BRX_ERR_NOT_FOUND', 'No such page'));
}

/** A refusal or failure as a page of its own, in the interface language, with the request id to quote. */
function errorPage(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  const lang = langOf(request);
  const t = common(lang);
  return sendPage(
    reply,
    <Bare lang={lang} title={t.product}>
      <ProblemBox lang={lang} problem={{ ...p, requestId: request.id }} />
      <p>
        <a href="/">{t.dashboard}</a>
      </p>
    </Bare>,
    p.status,
  );
}

async function renderError(thrown: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const error: FastifyError | ApiError = thrown.code?.startsWith('FST_CSRF') ? csrfRefusal() : thrown;
  let p: Problem;
  if (error instanceof ApiError) {
    if (error.status === 401) {
      clearSession(reply);
      if (request.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    p = error.problem;
  } else if (error.statusCode && error.statusCode < 500) {
    p = consoleProblem(error.statusCode, error.statusCode === 413 ? 'BRX_ERR_PAYLOAD_TOO_LARGE' : 'BRX_ERR_VALIDATION', error.message);
  } else if (isDatabaseUnavailable(error)) {
    // the session look-up met a database that is away: the same 503 the API gives, not a 500
    p = consoleProblem(503, 'BRX_ERR_UNAVAILABLE', 'The database cannot be reached');
    reply.header('retry-after', '5');
  } else {
    request.log.error({ err: error }, 'console page failed');
    p = consoleProblem(500, 'BRX_ERR_INTERNAL', 'Internal error');
  }
  return errorPage(request, reply, p);
}
