import { createPublicKey } from 'node:crypto';
import { sql } from 'kysely';
import type { CertificateVerdict, VerifyCertificate, VerifyLegalPerson, VerifyMatch, VerifyPerson } from '../../contracts/generated/api.ts';
import { effectiveStatus, verifyCertificate } from '../../registries/certificate/signature.ts';
import type { RegistryKind } from '../../registries/contract.ts';
import { lookupKey, normalizeIdentifier } from '../../registries/identifiers/formats.ts';
import type { Db } from '../db/database.ts';
import { grantStatement, readWithGrants } from '../policy/grant-cache.ts';
import type { GrantRow } from '../policy/grants.ts';
import { validateIdNumber } from '../../registries/identifiers/id-number.ts';
import { subjectKey } from '../audit/subject-report.ts';
import type { ReadAccess } from '../policy/read-policy.ts';

/** Names are compared as people write them: Unicode-normalised (full-width forms), trimmed. */
const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.normalize('NFKC').trim() === b.normalize('NFKC').trim();

const recordOfKey = grantStatement('brx_grants_with_record', 'r.data as record', 'left join records r on r.dataset_id = $1 and r.key = $2 and not r.deleted');

/**
 * The system's grants of a registry (from memory unless they changed) and the golden record asked
 * about, in one round trip (a prepared statement): the verification hot path. The grants go to
 * the read policy, which decides; nothing here chooses among them.
 */
export async function grantsWithRecord(db: Db, systemId: string, datasetId: string, key: string) {
  const { grants, row } = await readWithGrants<{ record: Record<string, unknown> | null }>(db, recordOfKey, systemId, datasetId, [key]);
  return { grants, record: row.record };
}

/**
 * Which grant field each question needs: a system may only ask about what its grant covers, and a
 * question beyond it is refused naming the question (a 403), never answered.
 */
const coveredBy: Record<string, string> = {
  name: 'name',
  birthDate: 'birthDate',
  legalRepresentativeName: 'legalRepresentative',
  legalRepresentativeIdNumber: 'legalRepresentative',
};

export function uncoveredQuestions(asked: readonly string[], grant: GrantRow): string[] {
  return asked.filter((q) => !grant.fields.includes(coveredBy[q] ?? q));
}

/**
 * Yes/no per field asked, nothing more, and nothing that tells a registered subject from an
 * unknown one: an unknown subject (or one outside the grant's rows) answers exactly like a
 * registered one whose every asked value is wrong. Facts the identifier itself carries are
 * answered from the identifier for everyone — a person's birth date is encoded in the ID number
 * (GB 11643), so comparing it with the registry would say "registered" for a right guess of
 * what the asker already holds. The status is told only on a full match, and only when granted.
 */
function answer(
  record: Record<string, unknown> | null,
  checks: Record<string, boolean | undefined>,
  grant: GrantRow,
): VerifyMatch {
  const fields: Record<string, boolean> = {};
  for (const [name, ok] of Object.entries(checks)) if (ok !== undefined) fields[name] = ok;
  // no question, no answer: an empty list of fields would make `match` mean "registered"
  const match = record !== null && Object.keys(fields).length > 0 && Object.values(fields).every(Boolean);
  return { match, fields, ...(match && grant.fields.includes('status') && typeof record?.status === 'string' ? { status: record.status } : {}) };
}

export function verifyPerson(record: Record<string, unknown> | null, idNumber: string, q: VerifyPerson, grant: GrantRow) {
  const encoded = validateIdNumber(idNumber).facts?.birthDate;
  return answer(
    record,
    {
      name: record !== null && same(record.name, q.name),
      birthDate: q.birthDate === undefined ? undefined : encoded !== undefined && q.birthDate === encoded,
    },
    grant,
  );
}

export function verifyLegalPerson(record: Record<string, unknown> | null, q: VerifyLegalPerson, grant: GrantRow) {
  const representative = record?.legalRepresentative as { name?: string; idNumber?: string } | undefined;
  return answer(
    record,
    {
      name: q.name === undefined ? undefined : record !== null && same(record.name, q.name),
      legalRepresentativeName: q.legalRepresentativeName === undefined ? undefined : same(representative?.name, q.legalRepresentativeName),
      legalRepresentativeIdNumber:
        q.legalRepresentativeIdNumber === undefined
          ? undefined
          : same(representative?.idNumber, lookupKey('cn-id-number', q.legalRepresentativeIdNumber)),
    },
    grant,
  );
}

const unknownCertificate: CertificateVerdict = { valid: false, status: null, validTo: null, issuer: null, signatureValid: false };

/** A certificate's standing: known, signed by its issuer's registered key, and in force today. */
/**
 * A certificate's standing: known, signed by its issuer's registered key, and in force today.
 * `valid` is what the verify mode answers; the status, expiry and issuer are told only as the
 * grant's fields cover them (status, validTo, issuerUscc), and a certificate outside the grant's
 * rows is unknown. Whose certificate was asked about goes to the access log (the holder, or the
 * certificate's holder when found), so the holder sees the check in their access report.
 */
export async function verifyCertificateStanding(db: Db, access: ReadAccess, q: VerifyCertificate, now: Date) {
  const datasetId = access.dataset.id;
  let query = db.selectFrom('records').select(['key', 'data']).where('dataset_id', '=', datasetId).where('deleted', '=', false);
  if (q.certificateId) query = query.where('key', '=', normalizeIdentifier('cn-certificate-id', q.certificateId));
  else {
    // the partial index records_certificate_number_idx serves this look-up
    query = query
      .where(sql<boolean>`data ? 'number' and data ? 'typeCode'`)
      .where(sql<string>`data->>'number'`, '=', q.number ?? '')
      .where(sql<string>`data->>'typeCode'`, '=', q.typeCode ?? '');
  }
  const rows = await query.limit(20).execute();
  const found = rows.find((r) => q.certificateId || (r.data as { holder?: { id?: string } }).holder?.id === q.holderId);
  const row = found && access.inScope(found.data as Record<string, unknown>) ? found : undefined;
  const asked = q.holderId ? [subjectKey(q.holderId)] : [];
  if (!row) return { key: q.certificateId ?? null, subjectKeys: asked, result: unknownCertificate };
  const data = row.data as Record<string, unknown>;
  const issuer = await db
    .selectFrom('issuer_keys as k')
    .innerJoin('departments as d', 'd.id', 'k.department_id')
    .select('k.public_key')
    .where('d.code', '=', String(data.issuerUscc))
    .executeTakeFirst();
  const signatureValid = issuer ? verifyCertificate(data, createPublicKey(issuer.public_key)) : false;
  const status = effectiveStatus(data, now) as CertificateVerdict['status'];
  const granted = (field: string) => access.grant?.fields.includes(field) ?? true;
  return {
    key: row.key,
    subjectKeys: access.subjectKeys([{ key: row.key, data }]),
    result: {
      valid: signatureValid && status === 'valid',
      status: granted('status') ? status : null,
      validTo: granted('validTo') ? ((data.validTo as string | null) ?? null) : null,
      issuer: granted('issuerUscc') ? String(data.issuerUscc) : null,
      signatureValid,
    },
  };
}

export type VerifyKind = Extract<RegistryKind, 'population' | 'legal-person' | 'certificate'>;
