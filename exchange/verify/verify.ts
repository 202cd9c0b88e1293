import { createPublicKey } from 'node:crypto';
import { sql } from 'kysely';
import type { CertificateVerdict, VerifyCertificate, VerifyLegalPerson, VerifyMatch, VerifyPerson } from '../../contracts/generated/api.ts';
import { effectiveStatus, verifyCertificate } from '../../registries/certificate/signature.ts';
import type { RegistryKind } from '../../registries/contract.ts';
import { lookupKey, normalizeIdentifier } from '../../registries/identifiers/formats.ts';
import { type Db, prepared } from '../db/database.ts';
import type { GrantRow } from '../grants/enforce.ts';

/** Names are compared as people write them: Unicode-normalised (full-width forms), trimmed. */
const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.normalize('NFKC').trim() === b.normalize('NFKC').trim();

async function goldenRecord(db: Db, datasetId: string, key: string): Promise<Record<string, unknown> | null> {
  const [row] = await prepared<{ data: Record<string, unknown> }>(
    db,
    'brx_golden_record',
    'select data from records where dataset_id = $1 and key = $2 and not deleted',
    [datasetId, key],
  );
  return row?.data ?? null;
}

/**
 * Yes/no per field asked, nothing more. An unknown subject gets the very answer of a mismatch
 * (every field false, no status); the status is told only on a full match and only when the
 * grant includes the status field.
 */
function answer(record: Record<string, unknown> | null, checks: Record<string, [unknown, unknown] | undefined>, grant: GrantRow): VerifyMatch {
  const fields: Record<string, boolean> = {};
  for (const [name, pair] of Object.entries(checks)) if (pair) fields[name] = record !== null && same(pair[0], pair[1]);
  const match = record !== null && Object.values(fields).every(Boolean);
  return { match, fields, ...(match && grant.fields.includes('status') && typeof record?.status === 'string' ? { status: record.status } : {}) };
}

export async function verifyPerson(db: Db, datasetId: string, q: VerifyPerson, grant: GrantRow) {
  const key = lookupKey('cn-id-number', q.idNumber);
  const record = await goldenRecord(db, datasetId, key);
  return {
    key,
    asked: Object.keys(q).filter((k) => k !== 'idNumber'),
    result: answer(record, { name: [record?.name, q.name], birthDate: q.birthDate === undefined ? undefined : [record?.birthDate, q.birthDate] }, grant),
  };
}

export async function verifyLegalPerson(db: Db, datasetId: string, q: VerifyLegalPerson, grant: GrantRow) {
  const key = normalizeIdentifier('cn-uscc', q.uscc);
  const record = await goldenRecord(db, datasetId, key);
  const representative = record?.legalRepresentative as { name?: string; idNumber?: string } | undefined;
  const result = answer(
    record,
    {
      name: q.name === undefined ? undefined : [record?.name, q.name],
      legalRepresentativeName: q.legalRepresentativeName === undefined ? undefined : [representative?.name, q.legalRepresentativeName],
      legalRepresentativeIdNumber:
        q.legalRepresentativeIdNumber === undefined
          ? undefined
          : [representative?.idNumber, lookupKey('cn-id-number', q.legalRepresentativeIdNumber)],
    },
    grant,
  );
  return { key, asked: Object.keys(q).filter((k) => k !== 'uscc'), result };
}

const unknownCertificate: CertificateVerdict = { valid: false, status: null, validTo: null, issuer: null, signatureValid: false };

/** A certificate's standing: known, signed by its issuer's registered key, and in force today. */
export async function verifyCertificateStanding(db: Db, datasetId: string, q: VerifyCertificate) {
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
  const row = rows.find((r) => q.certificateId || (r.data as { holder?: { id?: string } }).holder?.id === q.holderId);
  if (!row) return { key: q.certificateId ?? null, result: unknownCertificate };
  const data = row.data as Record<string, unknown>;
  const issuer = await db
    .selectFrom('issuer_keys as k')
    .innerJoin('departments as d', 'd.id', 'k.department_id')
    .select('k.public_key')
    .where('d.code', '=', String(data.issuerUscc))
    .executeTakeFirst();
  const signatureValid = issuer ? verifyCertificate(data, createPublicKey(issuer.public_key)) : false;
  const status = effectiveStatus(data) as CertificateVerdict['status'];
  return {
    key: row.key,
    result: { valid: signatureValid && status === 'valid', status, validTo: (data.validTo as string | null) ?? null, issuer: String(data.issuerUscc), signatureValid },
  };
}

export type VerifyKind = Extract<RegistryKind, 'population' | 'legal-person' | 'certificate'>;
