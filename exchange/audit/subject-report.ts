import { sql } from 'kysely';
import type { AccessReport } from '../../contracts/generated/api.ts';
import { lookupKey } from '../../registries/identifiers/formats.ts';
import type { Db } from '../db/database.ts';
import { nothingSentFailures } from '../outbound/post.ts';
import { subjectEntries } from './store.ts';

/** A person's ID number (15 or 18 characters) or an organisation's credit code, in the form the access log keeps. */
export function subjectKey(id: string): string {
  const trimmed = id.trim();
  return lookupKey(/^(\d{15}|\d{17}[\dXx])$/.test(trimmed) ? 'cn-id-number' : 'cn-uscc', trimmed);
}

/**
 * The failure classes of a POST that never reached the receiver (outbound/post.ts): refused by
 * the outbound rules, no address, nothing listening. A timeout, a reset connection, a TLS error or
 * an HTTP status is not among them: the body may have arrived, and a subject is better told of a
 * delivery that may not have happened than not told of one that did.
 */
const nothingLeftPattern = `^(${nothingSentFailures.join('|')})`;

/**
 * A webhook batch logged as 'sent' whose delivery then failed before anything left brx. Found
 * through the partial index of 0012_webhook_failures.sql (webhook errors by delivery id).
 */
const nothingLeft = sql<boolean>`(select 1 from audit_access e
   where e.mode = 'webhook' and e.outcome = 'error' and e.query->>'delivery' = a.query->>'delivery'
     and e.query->>'error' ~ ${nothingLeftPattern})`;

/**
 * An access entry whose records reached the consumer: a read, export or verification that
 * succeeded, or a webhook batch handed to the network whose POST did not fail before anything
 * left brx. The subject's report and the dashboard's "records out" both count by it.
 */
export const reachedConsumer = sql<boolean>`(a.outcome = 'ok' or (a.outcome = 'sent' and not exists ${nothingLeft}))`;

/**
 * 数据使用记录: the reads and verifications that returned a subject's records, newest first, with
 * who (department, system), why (purpose, grant), when and which fields. The subject does not see
 * reads under a covert grant before its disclosure date, nor the ID number of the official the
 * system read for; auditors see both. Refused reads returned nothing and are not listed, nor are
 * webhook batches whose POST failed before anything left brx (an unreachable receiver retried
 * hourly would otherwise show a delivery every hour).
 */
export async function accessReport(
  db: Db,
  subject: string,
  options: { forAuditor: boolean; now: Date; before?: number; from?: Date; limit: number },
): Promise<AccessReport> {
  let query = db
    .selectFrom('audit_access as a')
    .leftJoin('departments as d', 'd.id', 'a.department_id')
    .leftJoin('systems as s', 's.id', 'a.system_id')
    .leftJoin('datasets as ds', 'ds.code', 'a.dataset')
    .select(['a.seq', 'a.at', 'd.name as department', 's.name as system', 'a.purpose', 'a.grant_id', 'a.dataset', 'ds.name as dataset_name', 'a.mode', 'a.fields', 'a.operator', 'a.disclose_after'])
    .where('a.seq', 'in', subjectEntries(subject))
    .where(reachedConsumer)
    .where('a.mode', '<>', 'report');
  if (!options.forAuditor) query = query.where((eb) => eb.or([eb('a.disclose_after', 'is', null), eb('a.disclose_after', '<=', options.now)]));
  if (options.before) query = query.where('a.seq', '<', options.before);
  if (options.from) query = query.where('a.at', '>=', options.from);
  const rows = await query.orderBy('a.seq', 'desc').limit(options.limit).execute();
  return {
    subject,
    items: rows.map((r) => ({
      at: r.at.toISOString(),
      department: r.department,
      system: r.system,
      purpose: r.purpose,
      grantId: r.grant_id,
      dataset: r.dataset,
      datasetName: r.dataset_name,
      mode: r.mode as AccessReport['items'][number]['mode'],
      fields: r.fields,
      ...(options.forAuditor ? { operator: r.operator, covertUntil: r.disclose_after?.toISOString() ?? null } : {}),
    })),
    next: rows.length === options.limit ? String(rows[rows.length - 1]!.seq) : null,
  };
}
