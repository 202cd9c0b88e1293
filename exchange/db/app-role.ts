import { sql } from 'kysely';
import type { Db } from './database.ts';

/**
 * The application's database role. brx serves as a role that owns no table and is no superuser,
 * so the audit tables' guards hold against the application itself: their owner could switch the
 * append-only triggers off (ALTER TABLE … DISABLE TRIGGER) or grant itself UPDATE again, and a
 * superuser passes every check. Migrations run as the owner (DATABASE_URL, or the embedded
 * server's superuser); this module gives the application role what it needs, no more.
 */

/** A plain lower-case identifier: role names end up in DDL, which takes no bind parameters. */
const roleNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkRoleName(role: string): string {
  if (!roleNamePattern.test(role)) throw new Error(`the application role name "${role}" must be a lower-case SQL identifier (a-z, 0-9, _)`);
  return role;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

/** Can the owner's role create the application role (superuser, or CREATEROLE)? */
export async function canCreateRoles(owner: Db): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select rolsuper or rolcreaterole as ok from pg_roles where rolname = current_user`.execute(owner);
  return rows[0]?.ok === true;
}

/**
 * Creates the application role, or sets its password and attributes if it exists: a login with
 * no superuser, database- or role-creating, replication or RLS-bypassing power.
 */
export async function ensureApplicationRole(owner: Db, role: string, password: string): Promise<void> {
  checkRoleName(role);
  const attributes = sql`login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ${sql.lit(password)}`;
  // two processes starting together would otherwise both create, or both alter ("tuple concurrently updated")
  await owner.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${roleLock})`.execute(trx);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(trx);
    await (rows[0]!.n > 0 ? sql`alter role ${ident(role)} ${attributes}` : sql`create role ${ident(role)} ${attributes}`).execute(trx);
  });
}

/** Advisory lock keys of the role and grant steps: apart from the sweeps' (0x62727801, 0x62727802, …). */
const roleLock = 0x6272_78a1;
const grantLock = 0x6272_78a2;

/**
 * The tables whose rows are never changed: those guarded by the append-only trigger function
 * (the audit logs, the case timeline). Found by their triggers, so a later migration that guards
 * a new table is covered without a change here.
 */
const appendOnlyTables = sql<{ name: string }>`
  select distinct c.relname::text as name
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
   where t.tgfoid = 'brx_audit_refuse'::regproc and n.nspname = current_schema()
   order by 1`;

/**
 * Grants the application role, as the owner, what the tables present now need: reading and
 * writing rows, sequences; never TRUNCATE, TRIGGER or REFERENCES; on append-only tables INSERT
 * and SELECT only. Run at every start after the migrations, so tables a migration added are
 * covered. Idempotent. The migration bookkeeping tables stay the owner's.
 */
export async function grantApplicationPrivileges(owner: Db, role: string): Promise<void> {
  checkRoleName(role);
  const r = ident(role);
  await owner.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${grantLock})`.execute(trx);
    const { rows: db } = await sql<{ name: string; me: string }>`select current_database() as name, current_user::text as me`.execute(trx);
    if (db[0]!.me === role) throw new Error(`the application role ${role} is the owner itself: give the application a login of its own`);
    // temporary: ingest stages each batch in a temporary table of its connection (PUBLIC has it by
    // default; a hardened database may have taken it away)
    await sql`grant connect, temporary on database ${ident(db[0]!.name)} to ${r}`.execute(trx);
    await sql`grant usage on schema public to ${r}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema public to ${r}`.execute(trx);
    await sql`revoke truncate, references, trigger on all tables in schema public from ${r}`.execute(trx);
    await sql`grant usage, select on all sequences in schema public to ${r}`.execute(trx);
    const { rows: bookkeeping } = await sql<{ name: string }>`
      select relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and relname in ('kysely_migration', 'kysely_migration_lock')`.execute(trx);
    for (const t of bookkeeping) await sql`revoke all on ${ident(t.name)} from ${r}`.execute(trx);
    for (const t of (await appendOnlyTables.execute(trx)).rows) {
      await sql`revoke update, delete on ${ident(t.name)} from ${r}`.execute(trx);
    }
  });
}

/**
 * Before PostgreSQL 15 every role (PUBLIC) may create objects in schema public, and the owner's
 * connection runs migrations with public on its search path: a function or operator the
 * application role planted there (say, an `=` for a type the DDL compares) would run with the
 * owner's rights. The owner takes that right away from PUBLIC, as the schema's owner (or a
 * superuser) may; when it does not own the schema it can do nothing, and the inspection below
 * then refuses a role that may still create there, naming the grant for the DBA to revoke.
 * Runs before the inspection, so a database left at the old default is closed, not refused.
 */
export async function closeSchemaToPublic(owner: Db): Promise<void> {
  await owner.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${grantLock})`.execute(trx);
    const { rows } = await sql<{ mine: boolean }>`
      select pg_has_role(current_user, n.nspowner, 'USAGE') or r.rolsuper as mine
        from pg_namespace n, pg_roles r where n.nspname = 'public' and r.rolname = current_user`.execute(trx);
    if (rows[0]?.mine) await sql`revoke create on schema public from public`.execute(trx);
  });
}

export interface RoleFitness {
  readonly role: string;
  /** why brx must not serve as this role; empty when it may */
  readonly problems: readonly string[];
}

/**
 * Asks the database, over the application's own connection, whether the role it logged in as
 * could rewrite the audit trail: a superuser, a role that can create roles (before PostgreSQL 16
 * it could make itself a member of the owner), a member of a table owner's role, one holding
 * UPDATE, DELETE or TRUNCATE on an append-only table, or one that may create (or already owns)
 * functions and operators where the owner's migrations would find them.
 */
export async function inspectApplicationRole(app: Db): Promise<RoleFitness> {
  const { rows } = await sql<{
    role: string;
    rolsuper: boolean;
    rolcreaterole: boolean;
    owned: string[] | null;
    writable: string[] | null;
    creates: string[] | null;
    planted: number;
  }>`
    select current_user::text as role, r.rolsuper, r.rolcreaterole,
      (select array_agg(nspname::text order by nspname) from pg_namespace
        where nspname in ('public', current_schema()) and has_schema_privilege(current_user, oid, 'CREATE')) as creates,
      (select count(*)::int from (
         select proowner as owner from pg_proc where pronamespace in (select oid from pg_namespace where nspname in ('public', current_schema()))
         union all select oprowner from pg_operator where oprnamespace in (select oid from pg_namespace where nspname in ('public', current_schema()))
       ) o where pg_has_role(current_user, o.owner, 'MEMBER')) as planted,
      (select array_agg(c.relname::text order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p') and pg_has_role(current_user, c.relowner, 'MEMBER')) as owned,
      (select array_agg(distinct c.relname::text) from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where t.tgfoid = 'brx_audit_refuse'::regproc
          and (has_table_privilege(c.oid, 'UPDATE') or has_table_privilege(c.oid, 'DELETE') or has_table_privilege(c.oid, 'TRUNCATE'))) as writable
      from pg_roles r where r.rolname = current_user`.execute(app);
  const row = rows[0]!;
  const problems: string[] = [];
  if (row.rolsuper) problems.push(`${row.role} is a superuser`);
  if (row.rolcreaterole) problems.push(`${row.role} may create roles`);
  if (row.owned?.length) problems.push(`${row.role} owns (or is a member of the owner of) ${row.owned.slice(0, 3).join(', ')}${row.owned.length > 3 ? ', …' : ''}`);
  if (row.writable?.length) problems.push(`${row.role} may update, delete or truncate ${row.writable.join(', ')}`);
  // objects it creates there would be found by the owner's migrations (closeSchemaToPublic)
  if (row.creates?.length) {
    problems.push(`${row.role} may create objects in schema ${row.creates.join(', ')} (revoke create on schema ${row.creates.join(', ')} from public, and from ${row.role})`);
  }
  if (row.planted > 0) problems.push(`${row.role} owns ${row.planted} function(s) or operator(s) in schema public, which the owner's connection could run`);
  return { role: row.role, problems };
}
