import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findPrincipal } from '../auth/store.ts';
import type { Principal } from '../auth/principal.ts';

/** The console's session cookie holds the person's session token (the API's bearer credential). */
export const sessionCookie = 'brx_session';

export type Person = Extract<Principal, { kind: 'user' }>;

export interface Viewer {
  readonly token: string;
  readonly person: Person;
}

/** The signed-in person, or null when the cookie is missing, expired or revoked. */
export async function viewerOf(request: FastifyRequest): Promise<Viewer | null> {
  const token = request.cookies[sessionCookie];
  if (!token) return null;
  const principal = await findPrincipal(request.server.db, token);
  return principal?.kind === 'user' ? { token, person: principal } : null;
}

/**
 * What CSRF tokens are bound to: the session (a token taken from one session is worthless in
 * another), or "anonymous" on the sign-in page.
 */
export function csrfBinding(request: FastifyRequest): string {
  const token = request.cookies[sessionCookie];
  return token ? createHash('sha256').update(token).digest('base64url') : 'anonymous';
}

export function setSession(reply: FastifyReply, token: string, ttlSeconds: number): void {
  reply.setCookie(sessionCookie, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    // Secure when the person reached brx over TLS (directly or through a proxy in BRX_TRUST_PROXY)
    secure: 'auto',
    // the session's own lifetime, relative: a browser whose clock differs from the server's keeps
    // it as long (the database still decides when the session ends)
    maxAge: ttlSeconds,
  });
}

export function clearSession(reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' });
}
