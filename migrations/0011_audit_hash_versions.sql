-- Audit hardening (issue 14).
--
-- Each audit entry names the version of the field list its hash covers (exchange/audit/chain.ts):
-- entries written so far were hashed over the whole 0001 row and are version 1; new entries are
-- written with the current version. A later column added to an audit table is then outside every
-- existing entry's hash, instead of breaking the chain at entry 1. Adding a column with a constant
-- default rewrites no row, so the append-only triggers do not fire.
alter table audit_admin add column hash_version smallint not null default 1;
alter table audit_access add column hash_version smallint not null default 1;

-- The application's own role (not the owner of these tables) is granted what it needs at every
-- start, after the migrations, by exchange/db/app-role.ts: the role's name is configuration.
