/**
 * Working days (工作日) on the official calendar: Monday to Friday, minus public holidays, plus the
 * make-up working days (调休) that fall on weekends. Days are `YYYY-MM-DD` in China Standard Time
 * (UTC+8, no daylight saving), which is when offices open and deadlines fall.
 */
export type Day = string;
export type SpecialDay = 'holiday' | 'workday';

const dayMs = 86_400_000;
const cstOffsetMs = 8 * 3_600_000;

/** The calendar day in China at this instant. */
export function dayOf(at: Date): Day {
  return new Date(at.getTime() + cstOffsetMs).toISOString().slice(0, 10);
}

/** The last instant of a day in China: deadlines run to the end of their day. */
export function endOfDay(day: Day): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - cstOffsetMs + dayMs - 1);
}

function nextDay(day: Day, by = 1): Day {
  return new Date(Date.parse(`${day}T00:00:00Z`) + by * dayMs).toISOString().slice(0, 10);
}

export class WorkCalendar {
  readonly #special: ReadonlyMap<Day, SpecialDay>;
  constructor(special: Iterable<[Day, SpecialDay]> = []) {
    this.#special = new Map(special);
  }

  isWorkingDay(day: Day): boolean {
    const special = this.#special.get(day);
    if (special) return special === 'workday';
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** The n-th working day after `from` (from itself does not count: 自受理次日起算). */
  addWorkingDays(from: Day, n: number): Day {
    let day = from;
    for (let left = n; left > 0; ) {
      day = nextDay(day);
      if (this.isWorkingDay(day)) left -= 1;
    }
    return day;
  }

  /** Working days in (from, to]: 0 when `to` is not after `from`. */
  workingDaysBetween(from: Day, to: Day): number {
    let count = 0;
    for (let day = nextDay(from); day <= to; day = nextDay(day)) if (this.isWorkingDay(day)) count += 1;
    return count;
  }
}
