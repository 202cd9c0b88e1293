import { sql } from 'kysely';
import type { CaseStats } from '../../contracts/generated/api.ts';
import type { Db } from '../db/database.ts';

/**
 * Per providing department and dataset (电子监察): cases received in the period, decided, the
 * share decided by their deadline, working days to decide (median, p90), escalations, and what is
 * open now. Filed-and-settled-at-once parts count as received and decided in 0 days.
 */
export async function caseStats(db: Db, f: { from?: string; until?: string; departments?: readonly string[] }): Promise<CaseStats> {
  const { rows } = await sql<{
    department_id: string;
    department_name: string;
    code: string;
    name: string;
    received: number;
    decided: number;
    on_time_rate: number | null;
    median_days: number | null;
    p90_days: number | null;
    escalations: number;
    open_backlog: number;
  }>`
    select p.department_id, dep.name as department_name, d.code, d.name,
           count(*)::int as received,
           count(*) filter (where p.decided_at is not null)::int as decided,
           avg(case when p.on_time then 1.0 else 0.0 end) filter (where p.decided_at is not null)::float8 as on_time_rate,
           percentile_cont(0.5) within group (order by p.working_days_taken) filter (where p.decided_at is not null) as median_days,
           percentile_cont(0.9) within group (order by p.working_days_taken) filter (where p.decided_at is not null) as p90_days,
           coalesce(sum((select count(*) from case_timeline t
                          where t.case_id = p.case_id and t.dataset_id = p.dataset_id and t.action = 'escalate')), 0)::int as escalations,
           count(*) filter (where p.state = 'pending' and c.closed_at is null)::int as open_backlog
      from case_parts p
      join cases c on c.id = p.case_id
      join datasets d on d.id = p.dataset_id
      join departments dep on dep.id = p.department_id
     where c.kind = 'request'
       ${f.from ? sql`and c.received_on >= ${f.from}` : sql``}
       ${f.until ? sql`and c.received_on <= ${f.until}` : sql``}
       ${f.departments ? sql`and p.department_id = any(${f.departments as string[]}::uuid[])` : sql``}
     group by p.department_id, dep.name, d.id, d.code, d.name
     order by dep.name, d.code`.execute(db);
  return {
    items: rows.map((r) => ({
      department: { id: r.department_id, name: r.department_name },
      dataset: r.code,
      datasetName: r.name,
      received: r.received,
      decided: r.decided,
      onTimeRate: r.on_time_rate,
      medianDays: r.median_days,
      p90Days: r.p90_days,
      escalations: r.escalations,
      openBacklog: r.open_backlog,
    })),
  };
}
