import type { ColumnType } from 'kysely';

/** Column kinds shared by the tables: set by the database on insert, timestamps, JSON written as text. */
export type Created = ColumnType<Date, Date | string | undefined, never>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type Json = ColumnType<unknown, string, string>;
