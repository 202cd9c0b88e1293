import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VerifyCertificate, VerifyLegalPerson, VerifyPerson } from '../../contracts/generated/api.ts';
import { principalOf, rule } from '../auth/guard.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { forbidden, invalid } from '../errors.ts';
import { describe, inline, operatorOf, problemResponses, ref } from '../http/route-helpers.ts';
import { RateLimiter } from '../policy/grants.ts';
import { authorizeRead } from '../policy/read-policy.ts';
import { registryIdentity } from '../registries/setup.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import { grantsWithRecord, uncoveredQuestions, verifyCertificateStanding, verifyLegalPerson, verifyPerson, type VerifyKind } from './verify.ts';

const systems = rule('consuming systems holding a verify grant', (p) => p.kind === 'system');

/**
 * 核验: yes/no answers against the registries that reveal no data. The read policy decides each
 * (a live verify grant, its rows, the official named in X-Operator when personal data is
 * involved); only questions the grant's fields cover are answered; each is rate limited per
 * system and written to the access log like any read — including the key asked about, so the
 * person or company can later see who checked them.
 */
export async function verifyRoutes(app: FastifyInstance, { db, config }: { db: Db; config: Config }) {
  const limiter = new RateLimiter(config.verifyPerMinute);

  /**
   * The read policy's decision on the registry (a refusal is audited as denied), the questions
   * checked against the grant's fields, the platform's rate allowance, and — fetched with the
   * grants in one round trip — the golden record asked about, if it lies within the grant's rows.
   */
  async function authorise(request: FastifyRequest, kind: VerifyKind, key: string | null, asked: string[]) {
    const system = principalOf(request);
    if (system.kind !== 'system') throw forbidden('Only consuming systems verify');
    const registry = await registryIdentity(db, kind);
    const { grants, record } = await grantsWithRecord(db, system.systemId, registry.id, key ?? '');
    const access = await authorizeRead(app, request, registry.code, 'verify', grants);
    const beyond = uncoveredQuestions(asked, access.grant!);
    if (beyond.length) {
      await app.audit.record(access.entry({ mode: 'verify', outcome: 'denied', subjectKeys: key ? [key] : [], query: { beyondGrant: beyond }, operator: operatorOf(request), requestId: request.id }));
      throw forbidden(`Your grant does not cover ${beyond.join(', ')}: ask only about granted fields`);
    }
    if (!access.grant!.requests_per_minute) limiter.take(system.systemId);
    // outside the grant's rows is answered like unknown
    return { access, record: record && access.inScope(record) ? record : null };
  }

  function audit(request: FastifyRequest, a: Awaited<ReturnType<typeof authorise>>, key: string | null, asked: string[]) {
    const entry = a.access.entry({ mode: 'verify', outcome: 'ok', operator: operatorOf(request), subjectKeys: key ? [key] : [], recordCount: key ? 1 : 0, requestId: request.id });
    return app.audit.record({ ...entry, fields: asked });
  }

  app.post<{ Body: VerifyPerson }>('/v1/verify/person', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Does this ID number belong to this name (and birth date)? Yes/no per field'),
      body: ref('VerifyPerson'),
      headers: inline('OperatorHeaders'),
      response: { 200: ref('VerifyMatch'), 404: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request) => {
      const key = lookupKey('cn-id-number', request.body.idNumber);
      const asked = Object.keys(request.body).filter((k) => k !== 'idNumber');
      const a = await authorise(request, 'population', key, asked);
      const result = verifyPerson(a.record, key, request.body, a.access.grant!);
      await audit(request, a, key, asked);
      return result;
    },
  });

  app.post<{ Body: VerifyLegalPerson }>('/v1/verify/legal-person', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Do this credit code, name and legal representative belong together? Yes/no per field'),
      body: ref('VerifyLegalPerson'),
      headers: inline('OperatorHeaders'),
      response: { 200: ref('VerifyMatch'), 404: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request) => {
      const key = lookupKey('cn-uscc', request.body.uscc);
      const asked = Object.keys(request.body).filter((k) => k !== 'uscc');
      if (asked.length === 0) {
        throw invalid('Ask at least one question about the legal person', [{ in: 'body', pointer: '/name', message: 'give name, legalRepresentativeName or legalRepresentativeIdNumber' }]);
      }
      const a = await authorise(request, 'legal-person', key, asked);
      const result = verifyLegalPerson(a.record, request.body, a.access.grant!);
      await audit(request, a, key, asked);
      return result;
    },
  });

  app.post<{ Body: VerifyCertificate }>('/v1/verify/certificate', {
    config: { access: systems },
    schema: {
      ...describe('verification', 'Is this certificate genuine and in force? By identifier, or by type, number and holder'),
      body: ref('VerifyCertificate'),
      headers: inline('OperatorHeaders'),
      response: { 200: ref('CertificateVerdict'), 404: ref('Problem'), 429: ref('Problem'), ...problemResponses },
    },
    handler: async (request) => {
      const q = request.body;
      if (!q.certificateId && !(q.typeCode && q.number && q.holderId)) {
        throw invalid('Name the certificate', [{ in: 'body', pointer: '/certificateId', message: 'give certificateId, or typeCode, number and holderId' }]);
      }
      // a certificate's standing is what the verify grant on the certificate registry covers
      const a = await authorise(request, 'certificate', null, []);
      const { key, subjectKeys, result } = await verifyCertificateStanding(db, a.access, q, app.clock.now());
      const entry = a.access.entry({ mode: 'verify', outcome: 'ok', operator: operatorOf(request), subjectKeys: [...new Set([...(key ? [key] : []), ...subjectKeys])], recordCount: key ? 1 : 0, requestId: request.id });
      await app.audit.record({ ...entry, fields: Object.keys(q) });
      return result;
    },
  });
}
