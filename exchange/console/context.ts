import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Role } from '../db/schema.ts';
import { ConsoleApi } from './api.ts';
import { common, type Lang, langOf } from './i18n.ts';
import { csrfBinding, type Viewer, viewerOf } from './session.ts';

/** What a page knows about the request: who, in which language, and how to reach the API. */
export interface PageContext {
  readonly lang: Lang;
  readonly t: ReturnType<typeof common>;
  readonly viewer: Viewer;
  readonly api: ConsoleApi;
  /** the CSRF token every form of the page carries */
  readonly csrf: string;
  /**
   * The page to come back to (after switching language): this page for a GET; for a POST (a
   * refused form shown again) the page the form was on, as the browser's Referer says.
   */
  readonly url: string;
  /** the form fields of a POST, as strings (repeated names as arrays) */
  readonly form: Record<string, string | string[] | undefined>;
  has(role: Role): boolean;
}

export async function contextOf(request: FastifyRequest, reply: FastifyReply, viewer: Viewer): Promise<PageContext> {
  const lang = langOf(request);
  const csrf = await reply.generateCsrf({ userInfo: csrfBinding(request) });
  return {
    lang,
    t: common(lang),
    viewer,
    api: new ConsoleApi(request.server, viewer.token, request.id),
    csrf,
    url: request.method === 'GET' ? request.url : pageOfReferer(request),
    form: (request.body && typeof request.body === 'object' ? request.body : {}) as PageContext['form'],
    has: (role) => viewer.person.roles.some((r) => r.role === role),
  };
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${renderToString(page)}`);
}

/** A form field's values as a list (checkboxes repeat their name; one ticked box gives a string). */
export function many(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

export function one(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** The named query parameters that hold a value (a filter form's, plus its paging cursor). */
export function queryValues<N extends string>(request: FastifyRequest, names: readonly N[]): Partial<Record<N | 'cursor', string>> {
  const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  const out: Partial<Record<N | 'cursor', string>> = {};
  for (const name of [...names, 'cursor' as const]) {
    const v = one(query[name]);
    if (v) out[name] = v;
  }
  return out;
}

/** A local path to go back to after signing in; anything else (another site) becomes "/". */
export function localPath(value: string | undefined): string {
  // no control characters (a browser drops a tab, making "/\t/evil" into "//evil"), and the same origin once parsed
  const unsafe = (ch: string) => ch.charCodeAt(0) < 0x20 || ch === '\u007f' || ch === '\\';
  if (!value || [...value].some(unsafe) || !value.startsWith('/') || value.startsWith('//')) return '/';
  try {
    const url = new URL(value, 'http://brx.invalid');
    return url.origin === 'http://brx.invalid' ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}

function pageOfReferer(request: FastifyRequest): string {
  try {
    const referer = new URL(request.headers.referer ?? '');
    return referer.host === request.host ? localPath(`${referer.pathname}${referer.search}`) : '/';
  } catch {
    return '/';
  }
}

export type PageHandler = (ctx: PageContext, request: FastifyRequest, reply: FastifyReply) => Promise<VNode | FastifyReply>;

export { viewerOf };
