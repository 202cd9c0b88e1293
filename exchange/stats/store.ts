import { sql } from 'kysely';
import type { ExchangeStats } from '../../contracts/generated/api.ts';
import { reachedConsumer } from '../audit/subject-report.ts';
import { dayOf } from '../cases/calendar.ts';
import type { Db } from '../db/database.ts';
import type { EventLog } from '../events/event-log.ts';

const dayMs = 24 * 3600 * 1000;

/** The instant a China Standard Time day begins. */
const startOfDay = (day: string) => new Date(`${day}T00:00:00+08:00`);

/**
 * Records in and out per day (China Standard Time), subscription lag and open quality issues,
 * for the datasets the given departments provide (every dataset when `departments` is undefined).
 * Records in are what ingest accepted (the batches' counts); records out are what the access log
 * says reached a consumer (`reachedConsumer`, as the data subject's report counts).
 */
export async function exchangeStats(db: Db, events: EventLog, f: { now: Date; days: number; departments?: readonly string[] }): Promise<ExchangeStats> {
  const until = dayOf(f.now);
  const from = dayOf(new Date(startOfDay(until).getTime() - (f.days - 1) * dayMs));
  const start = startOfDay(from);
  const end = new Date(startOfDay(until).getTime() + dayMs);
  const deps = f.departments ? [...f.departments] : null;
  const provided = deps ? sql`and d.provider_department_id = any(${deps}::uuid[])` : sql``;

  const ingested = await sql<{ day: string; n: number }>`
    select to_char((b.received_at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, sum(b.accepted)::bigint as n
      from batches b join datasets d on d.id = b.dataset_id
     where b.received_at >= ${start} and b.received_at < ${end} ${provided}
     group by 1`.execute(db);
  // what left for consumers: not the auditors' own look-ups (report) nor quality checks
  const delivered = await sql<{ day: string; n: number }>`
    select to_char((a.at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, sum(a.record_count)::bigint as n
      from audit_access a
     where a.at >= ${start} and a.at < ${end}
       and a.mode in ('pull', 'subscribe', 'webhook', 'verify', 'export')
       and ${reachedConsumer}
       ${deps ? sql`and a.dataset in (select d.code from datasets d where d.provider_department_id = any(${deps}::uuid[]))` : sql``}
     group by 1`.execute(db);
  // summed as bigint (a province's day can pass 2^31 records), read as numbers (db/database.ts)
  const inBy = new Map(ingested.rows.map((r) => [r.day, r.n]));
  const outBy = new Map(delivered.rows.map((r) => [r.day, r.n]));
  const days: ExchangeStats['days'] = [];
  for (let t = start.getTime(); t < end.getTime(); t += dayMs) {
    const day = dayOf(new Date(t));
    days.push({ day, recordsIn: inBy.get(day) ?? 0, recordsOut: outBy.get(day) ?? 0 });
  }

  const heads = await events.heads();
  const subscriptions = await sql<{
    id: string;
    system_id: string;
    system_name: string;
    code: string;
    name: string;
    delivery: 'pull' | 'webhook';
    status: 'active' | 'failing';
    lag: number;
    last_delivery_at: Date | null;
  }>`
    select s.id, sys.id as system_id, sys.name as system_name, d.code, d.name, s.delivery, s.status,
           greatest(coalesce(h.last_offset, 0) - s.cursor, 0)::int as lag, s.last_delivery_at
      from subscriptions s
      join datasets d on d.id = s.dataset_id
      join systems sys on sys.id = s.system_id
      left join unnest(${[...heads.keys()]}::uuid[], ${[...heads.values()]}::bigint[]) h(dataset_id, last_offset) on h.dataset_id = s.dataset_id
     where s.status in ('active', 'failing')
       ${deps ? sql`and (d.provider_department_id = any(${deps}::uuid[]) or sys.department_id = any(${deps}::uuid[]))` : sql``}
     order by lag desc, s.id
     limit 50`.execute(db);

  const quality = await sql<{ code: string; name: string; kind: string; open: number }>`
    select d.code, d.name, q.kind, count(*)::int as open
      from quality_issues q join datasets d on d.id = q.dataset_id
     where q.status = 'open' ${provided}
     group by d.code, d.name, q.kind
     order by open desc, d.code, q.kind`.execute(db);

  return {
    from,
    until,
    days,
    subscriptions: subscriptions.rows.map((s) => ({
      id: s.id,
      system: { id: s.system_id, name: s.system_name },
      dataset: s.code,
      datasetName: s.name,
      delivery: s.delivery,
      status: s.status,
      lag: s.lag,
      lastDeliveryAt: s.last_delivery_at ? s.last_delivery_at.toISOString() : null,
    })),
    qualityIssues: quality.rows.map((q) => ({ dataset: q.code, datasetName: q.name, kind: q.kind, open: q.open })),
  };
}
