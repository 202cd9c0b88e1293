import type { Db, Tx } from '../db/database.ts';
import { type Day, type SpecialDay, WorkCalendar } from './calendar.ts';

// The calendar changes a few times a year; every case action needs it. Other processes see an
// admin's change within this time.
const cacheMs = 60_000;
let cached: { calendar: WorkCalendar; at: number } | undefined;

export async function loadCalendar(db: Db | Tx): Promise<WorkCalendar> {
  if (cached && Date.now() - cached.at < cacheMs) return cached.calendar;
  const rows = await db.selectFrom('calendar_days').select(['day', 'kind']).execute();
  const calendar = new WorkCalendar(rows.map((r) => [r.day, r.kind as SpecialDay]));
  cached = { calendar, at: Date.now() };
  return calendar;
}

export function forgetCalendar(): void {
  cached = undefined;
}

export interface CalendarYear {
  year: number;
  confirmed: boolean;
  source: string;
  days: { date: Day; kind: SpecialDay; name: string }[];
}

export async function readCalendarYear(db: Db, year: number): Promise<CalendarYear> {
  const meta = await db.selectFrom('calendar_years').selectAll().where('year', '=', year).executeTakeFirst();
  const days = await db
    .selectFrom('calendar_days')
    .select(['day', 'kind', 'name'])
    .where('day', '>=', `${year}-01-01`)
    .where('day', '<=', `${year}-12-31`)
    .orderBy('day')
    .execute();
  return {
    year,
    confirmed: meta?.confirmed ?? false,
    source: meta?.source ?? '',
    days: days.map((d) => ({ date: d.day, kind: d.kind as SpecialDay, name: d.name })),
  };
}

/** Replaces a year's holidays and make-up days at once, so a year is never half entered. */
export async function replaceCalendarYear(trx: Tx, year: number, input: Omit<CalendarYear, 'year'>): Promise<void> {
  await trx.deleteFrom('calendar_days').where('day', '>=', `${year}-01-01`).where('day', '<=', `${year}-12-31`).execute();
  if (input.days.length) {
    await trx
      .insertInto('calendar_days')
      .values(input.days.map((d) => ({ day: d.date, kind: d.kind, name: d.name })))
      .execute();
  }
  await trx
    .insertInto('calendar_years')
    .values({ year, confirmed: input.confirmed, source: input.source, updated_at: new Date() })
    .onConflict((oc) => oc.column('year').doUpdateSet({ confirmed: input.confirmed, source: input.source, updated_at: new Date() }))
    .execute();
  forgetCalendar();
}
