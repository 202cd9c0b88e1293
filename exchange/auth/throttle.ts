import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Failed-login throttling, per username whether or not it exists (so the answer does not tell
 * which names exist). After `maxFailures` failures in a row each further failure locks the name
 * for twice as long as the last, from 15 s up to 15 min; a success clears the count.
 */
export async function lockedFor(db: Db, username: string): Promise<number> {
  const row = await db
    .selectFrom('login_throttle')
    .select(sql<number>`extract(epoch from (locked_until - now()))`.as('seconds'))
    .where('key', '=', key(username))
    .where('locked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? Math.ceil(Number(row.seconds)) : 0;
}

export async function recordFailure(db: Db, username: string, maxFailures: number): Promise<void> {
  await sql`
    insert into login_throttle as t (key, failures, locked_until, updated_at)
    values (${key(username)}, 1, case when ${maxFailures} <= 1 then now() + interval '15 seconds' end, now())
    on conflict (key) do update set
      failures = t.failures + 1,
      locked_until = case when t.failures + 1 >= ${maxFailures}
        then now() + least(interval '15 minutes', interval '15 seconds' * power(2, t.failures + 1 - ${maxFailures}))
        else null end,
      updated_at = now()`.execute(db);
}

export async function clearFailures(db: Db, username: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key(username)).execute();
}

function key(username: string): string {
  return `user:${username.toLowerCase()}`;
}
