import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VerifyCertificate, VerifyLegalPerson, VerifyPerson } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { invalid } from '../errors.ts';
import { type GrantRow, pickGrant, RateLimiter } from '../policy/grants.ts';
import { describe, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';
import { registryIdentity } from '../registries/setup.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import { grantsWithRecord, verifyCertificateStanding, verifyLegalPerson, verifyPerson, type VerifyKind } from './verify.ts';

const systems = rule('consuming systems holding a verify grant', (p) => p.kind === 'system');

/**
 * 核验: yes/no answers against the registries that reveal no data. Each needs the calling
 * system's live grant with the verify mode on that registry, is rate limited per system, and is
 * written to the access log like any read — including the key asked about, so the person or
 * company can later see who checked them.
 */
export async function verifyRoutes(app: FastifyInstance, { db, config }: { db: Db; config: Config }) {
  const limiter = new RateLimiter(config.verifyPerMinute);

  /**
   * The caller's live verify grant of the registry (a 403 naming the reason is audited as
   * denied), its rate allowance, and — in the same round trip — the golden record asked about.
   */
  async function authorise(request: FastifyRequest, kind: VerifyKind, key: string | null) {
    const system = principalOf(request) as Extract<Principal, { kind: 'system' }>;
    const registry = await registryIdentity(db, kind);
    const { grants, record } = await grantsWithRecord(db, system.systemId, registry.id, key ?? '');
    let grant: GrantRow;
    try {
      grant = pickGrant(grants, 'verify', app.clock.now());
    } catch (error) {
      await app.audit.record({ actor: system, mode: 'verify', outcome: 'denied', dataset: registry.code, subjectKeys: key ? [key] : [], requestId: request.id });
      throw error;
    }
    limiter.take(system.systemId, grant.requests_per_minute ?? undefined);
    return { system, registry, grant, record };
  }

  function audit(request: FastifyRequest, a: Awaited<ReturnType<typeof authorise>>, key: string | null, asked: string[]) {
    return app.audit.record({
      actor: a.system,
      mode: 'verify',
      outcome: 'ok',
      dataset: a.registry.code,
      grantId: a.grant.id,
      purpose: a.grant.purpose,
      operator: operatorOf(request),
      subjectKeys: key ? [key] : [],
      fields: asked,
      recordCount: key ? 1 : 0,
      discloseAfter: a.grant.covert_until,
      requestId: request.id,
    });
  }

  app.post<{ Body: VerifyPerson }>('/v1/verify/person', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Does this ID number belong to this name (and birth date)? Yes/no per field'),
      body: ref('VerifyPerson'),
      response: { 200: ref('VerifyMatch'), ...problemResponses },
    },
    handler: async (request) => {
      const key = lookupKey('cn-id-number', request.body.idNumber);
      const a = await authorise(request, 'population', key);
      const { asked, result } = verifyPerson(a.record, request.body, a.grant);
      await audit(request, a, key, asked);
      return result;
    },
  });

  app.post<{ Body: VerifyLegalPerson }>('/v1/verify/legal-person', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Do this credit code, name and legal representative belong together? Yes/no per field'),
      body: ref('VerifyLegalPerson'),
      response: { 200: ref('VerifyMatch'), ...problemResponses },
    },
    handler: async (request) => {
      const key = lookupKey('cn-uscc', request.body.uscc);
      const a = await authorise(request, 'legal-person', key);
      const { asked, result } = verifyLegalPerson(a.record, request.body, a.grant);
      await audit(request, a, key, asked);
      return result;
    },
  });

  app.post<{ Body: VerifyCertificate }>('/v1/verify/certificate', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Is this certificate genuine and in force? By identifier, or by type, number and holder'),
      body: ref('VerifyCertificate'),
      response: { 200: ref('CertificateVerdict'), ...problemResponses },
    },
    handler: async (request) => {
      const q = request.body;
      if (!q.certificateId && !(q.typeCode && q.number && q.holderId)) {
        throw invalid('Name the certificate', [{ in: 'body', pointer: '/certificateId', message: 'give certificateId, or typeCode, number and holderId' }]);
      }
      const a = await authorise(request, 'certificate', null);
      const { key, result } = await verifyCertificateStanding(db, a.registry.id, q, app.clock.now());
      await audit(request, a, key, Object.keys(q));
      return result;
    },
  });
}
