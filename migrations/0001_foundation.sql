-- Platform foundation: departments, machines (nodes, systems), people, credentials, audit logs.

create table departments (
  id          uuid primary key default gen_random_uuid(),
  code        text not null unique,            -- unified social credit code (GB 32100)
  name        text not null,
  parent_id   uuid references departments (id),
  level       text not null check (level in ('province', 'city', 'county')),
  region_code text check (region_code ~ '^[0-9]{6}$'),
  status      text not null default 'active' check (status in ('active', 'suspended')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check (parent_id is null or parent_id <> id)
);
create index departments_parent_idx on departments (parent_id);

-- A department's front-end adapter processes (前置机). Each signs its batches with Ed25519.
create table nodes (
  id            uuid primary key default gen_random_uuid(),
  department_id uuid not null references departments (id),
  name          text not null,
  public_key    text not null,                 -- SPKI PEM of the node's Ed25519 key
  status        text not null default 'active' check (status in ('active', 'disabled')),
  created_at    timestamptz not null default now(),
  unique (department_id, name)
);

-- A department's consuming information systems (应用系统); they hold grants.
create table systems (
  id            uuid primary key default gen_random_uuid(),
  department_id uuid not null references departments (id),
  name          text not null,
  description   text,
  status        text not null default 'active' check (status in ('active', 'disabled')),
  created_at    timestamptz not null default now(),
  unique (department_id, name)
);

create table users (
  id                  uuid primary key default gen_random_uuid(),
  username            text not null,
  display_name        text not null,
  password_hash       text not null,           -- scrypt$N$r$p$salt$hash
  status              text not null default 'active' check (status in ('active', 'disabled')),
  created_at          timestamptz not null default now(),
  password_changed_at timestamptz not null default now()
);
create unique index users_username_idx on users (lower(username));

create table user_roles (
  user_id       uuid not null references users (id) on delete cascade,
  role          text not null check (role in ('platform_admin', 'dept_admin', 'approver', 'auditor')),
  department_id uuid references departments (id),
  -- platform-wide roles carry no department; department roles must name one
  check ((role in ('platform_admin', 'auditor')) = (department_id is null))
);
create unique index user_roles_unique_idx
  on user_roles (user_id, role, coalesce(department_id, '00000000-0000-0000-0000-000000000000'));

-- Every bearer secret (login sessions, node and system API keys, subject tokens) is stored
-- only as its SHA-256: the secrets are 256-bit random, so a slow hash adds nothing.
create table credentials (
  id          uuid primary key default gen_random_uuid(),
  token_hash  bytea not null unique,
  kind        text not null check (kind in ('session', 'node', 'system', 'subject')),
  user_id     uuid references users (id) on delete cascade,
  node_id     uuid references nodes (id),
  system_id   uuid references systems (id),
  subject_id  text,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz,
  revoked_at  timestamptz,
  check ((kind = 'session') = (user_id is not null)),
  check ((kind = 'node') = (node_id is not null)),
  check ((kind = 'system') = (system_id is not null)),
  check ((kind = 'subject') = (subject_id is not null))
);
create index credentials_node_idx on credentials (node_id) where node_id is not null;
create index credentials_system_idx on credentials (system_id) where system_id is not null;
create index credentials_user_idx on credentials (user_id) where user_id is not null;

-- Failed-login throttling, keyed by username (known or not), shared by every exchange process.
create table login_throttle (
  key          text primary key,
  failures     integer not null,
  locked_until timestamptz,
  updated_at   timestamptz not null default now()
);

-- Tamper-evident audit logs. Each entry carries a gap-free sequence number and
-- hash = sha256(prev_hash || canonical encoding of the entry). The head row of each log is
-- locked while a group of entries is appended, which serialises the chain across processes.
create table audit_heads (
  log  text primary key check (log in ('admin', 'access')),
  seq  bigint not null,
  hash text not null
);
insert into audit_heads (log, seq, hash) values
  ('admin', 0, repeat('0', 64)),
  ('access', 0, repeat('0', 64));

create table audit_admin (
  seq           bigint primary key,
  at            timestamptz not null,
  actor_kind    text not null,                 -- user | node | system | platform
  actor_id      text,
  actor_name    text,
  department_id uuid,                          -- the department the action concerns
  action        text not null,                 -- e.g. department.create, node.key.rotate
  target_kind   text,
  target_id     text,
  detail        jsonb not null default '{}',
  request_id    text,
  prev_hash     text not null,
  hash          text not null
);
create index audit_admin_actor_idx on audit_admin (actor_id, seq);
create index audit_admin_department_idx on audit_admin (department_id, seq);
create index audit_admin_at_idx on audit_admin (at);

create table audit_access (
  seq           bigint primary key,
  at            timestamptz not null,
  actor_kind    text not null,                 -- system | user | subject
  actor_id      text,
  department_id uuid,                          -- the reading department
  system_id     uuid,
  operator      text,                          -- the person the system reads for (X-Operator)
  grant_id      uuid,
  purpose       text,
  dataset       text,
  mode          text,                          -- pull | export | subscribe | verify | webhook
  subject_keys  text[] not null default '{}',  -- record keys returned
  fields        text[] not null default '{}',
  query         jsonb,
  record_count  integer not null default 0,
  outcome       text not null,                 -- ok | denied | not_found | error
  disclose_after timestamptz,                  -- covert grants: hidden from the subject until then
  request_id    text,
  prev_hash     text not null,
  hash          text not null
);
create index audit_access_actor_idx on audit_access (actor_id, seq);
create index audit_access_department_idx on audit_access (department_id, seq);
create index audit_access_dataset_idx on audit_access (dataset, seq);
-- time rises with seq, so a BRIN index serves time-range searches at a fraction of a b-tree's write cost
create index audit_access_at_idx on audit_access using brin (at);
create index audit_access_subject_idx on audit_access using gin (subject_keys);

-- The guard: audit rows are never updated or deleted, whoever asks. Only a superuser who
-- switches triggers off (session_replication_role = replica) gets past it, and the hash chain
-- then names the first entry they touched.
create function brx_audit_refuse() returns trigger language plpgsql as $$
begin
  raise exception 'audit log % is append-only: % refused', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end $$;

create trigger audit_admin_append_only before update or delete on audit_admin
  for each row execute function brx_audit_refuse();
create trigger audit_admin_no_truncate before truncate on audit_admin
  for each statement execute function brx_audit_refuse();
create trigger audit_access_append_only before update or delete on audit_access
  for each row execute function brx_audit_refuse();
create trigger audit_access_no_truncate before truncate on audit_access
  for each statement execute function brx_audit_refuse();

revoke update, delete, truncate on audit_admin, audit_access from public;
-- The owner too: without the grant even the role that ran the migrations cannot change them.
revoke update, delete, truncate on audit_admin, audit_access from current_user;
