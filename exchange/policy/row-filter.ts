import { type Expression, type SqlBool, sql } from 'kysely';
import type { RowFilter } from '../../contracts/generated/api.ts';

/** Whether a record lies within a grant's rows: its field starts with the prefix, or is one of the values. */
export function matchesRowFilter(data: Record<string, unknown> | null, filter: RowFilter | null): boolean {
  if (!filter) return true;
  if (data === null) return false;
  const value = data[filter.field];
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value);
  if (filter.prefix !== undefined && !text.startsWith(filter.prefix)) return false;
  if (filter.in !== undefined && !filter.in.includes(text)) return false;
  return true;
}

const likeEscaped = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The same test in SQL over `records.data`, so bulk reads skip out-of-scope rows in the database. */
export function rowFilterSql(filter: RowFilter | null): Expression<SqlBool> {
  if (!filter) return sql<SqlBool>`true`;
  const value = sql`data->>${sql.lit(filter.field)}`; // a literal, so the expression matches the search indexes
  const prefix = filter.prefix === undefined ? sql`true` : sql`${value} like ${`${likeEscaped(filter.prefix)}%`}`;
  const among = filter.in === undefined ? sql`true` : sql`${value} = any(${filter.in}::text[])`;
  return sql<SqlBool>`(${prefix} and ${among})`;
}
