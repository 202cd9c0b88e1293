import type { FastifyInstance } from 'fastify';
import type { LoginRequest, LoginResponse, Me } from '../../contracts/generated/api.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { BrxError } from '../errors.ts';
import { describe, problemResponses, ref } from '../http/route-helpers.ts';
import { findUserByName, presentUser } from '../identity/user-store.ts';
import { anyone, principalOf } from './guard.ts';
import { burnPasswordCheck, verifyPassword } from './passwords.ts';
import { issueCredential, revokeCredential } from './store.ts';
import { clearFailures, lockedFor, recordFailure } from './throttle.ts';

export async function authRoutes(app: FastifyInstance, { db, config }: { db: Db; config: Config }) {
  app.post<{ Body: LoginRequest; Reply: LoginResponse }>('/v1/auth/login', {
    config: { access: 'public' },
    schema: {
      ...describe('auth', 'Log in with a username and password; returns a bearer token', { public: true }),
      body: ref('LoginRequest'),
      response: { 200: ref('LoginResponse'), 401: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request) => {
      const { username, password } = request.body;
      const wait = await lockedFor(db, username);
      if (wait > 0) {
        throw new BrxError('BRX_ERR_THROTTLED', `Too many failed logins for this username; try again in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        });
      }
      const user = await findUserByName(db, username);
      let ok = false;
      if (user) ok = await verifyPassword(password, user.password_hash);
      else await burnPasswordCheck(password); // as slow as a wrong password: timing tells nothing

      if (!ok || !user || user.status !== 'active') {
        await recordFailure(db, username, config.loginMaxFailures);
        // the same answer for an unknown name, a wrong password and a disabled account
        throw new BrxError('BRX_ERR_BAD_CREDENTIALS');
      }
      await clearFailures(db, username);
      const session = await issueCredential(
        db,
        { kind: 'session', userId: user.id },
        config.sessionTtlSeconds,
      );
      return { token: session.secret, expiresAt: session.expiresAt!.toISOString(), user: presentUser(user) };
    },
  });

  app.post('/v1/auth/logout', {
    config: { access: anyone },
    schema: {
      ...describe('auth', 'End the session whose token is sent (API keys are revoked by their department instead)'),
      response: { 204: { type: 'null' }, ...problemResponses },
    },
    handler: async (request, reply) => {
      const p = principalOf(request);
      if (p.kind === 'user') await revokeCredential(db, p.credentialId);
      return reply.status(204).send();
    },
  });

  app.get<{ Reply: Me }>('/v1/auth/me', {
    config: { access: anyone },
    schema: { ...describe('auth', 'Who the exchange takes the caller to be'), response: { 200: ref('Me'), ...problemResponses } },
    handler: async (request) => {
      const { credentialId: _hidden, ...me } = principalOf(request);
      return me as Me;
    },
  });
}
