-- Base registries (基础库): population, legal person, electronic certificates. A registry is a
-- dataset of class base whose records (golden records) are merged from several departments'
-- contributions, field by field, with provenance.

alter table datasets add column registry text unique
  check (registry in ('population', 'legal-person', 'certificate'));
-- per field, the departments in order of authority ("*" for fields not named), e.g.
-- {"maritalStatus": ["<民政 id>", "<公安 id>"], "*": ["<公安 id>"]}
alter table datasets add column merge_rules jsonb not null default '{}';

-- Which departments contribute to a registry, and which fields each may contribute.
create table registry_sources (
  dataset_id    uuid not null references datasets (id),
  department_id uuid not null references departments (id),
  fields        text[] not null,               -- the fields this source may send; '*' for all
  created_at    timestamptz not null default now(),
  primary key (dataset_id, department_id)
);

-- The latest contribution of each source for each key; the signed batches keep every earlier one.
create table contributions (
  dataset_id    uuid not null references datasets (id),
  key           text not null,
  department_id uuid not null references departments (id),
  data          jsonb,                         -- null: the source withdrew its contribution
  source_time   timestamptz not null,
  batch_id      text not null,
  node_id       uuid references nodes (id),
  received_at   timestamptz not null default now(),
  primary key (dataset_id, key, department_id)
);

-- Where each field of a golden record came from: {"name": {"department": …, "batch": …, "sourceTime": …}}
alter table records add column provenance jsonb;

-- History: the events of a registry are golden-record changes, so "as of" is the last event at or
-- before that time.
create index events_key_idx on events (dataset_id, key, "offset");

create table quality_issues (
  id            uuid primary key default gen_random_uuid(),
  dataset_id    uuid not null references datasets (id),
  key           text not null,
  kind          text not null check (kind in ('conflict', 'dangling-link')),
  field         text not null,
  detail        jsonb not null,
  status        text not null default 'open' check (status in ('open', 'resolved')),
  created_at    timestamptz not null default now(),
  resolved_at   timestamptz
);
create unique index quality_issues_open_idx on quality_issues (dataset_id, key, kind, field) where status = 'open';
create index quality_issues_list_idx on quality_issues (dataset_id, status, created_at);

-- The Ed25519 key with which a department signs the electronic certificates it issues.
create table issuer_keys (
  department_id uuid primary key references departments (id),
  public_key    text not null,
  created_at    timestamptz not null default now()
);

-- Grants: what an approved request yields (sharing requests fill this table; verification and
-- pulls are enforced through it). Deny by default: no live grant, no data.
create table grants (
  id             uuid primary key default gen_random_uuid(),
  system_id      uuid not null references systems (id),
  dataset_id     uuid not null references datasets (id),
  fields         text[] not null,
  masked_fields  text[] not null default '{}',
  row_filter     jsonb,
  modes          text[] not null,
  purpose        text not null,
  valid_from     timestamptz not null default now(),
  valid_until    timestamptz,
  revoked_at     timestamptz,
  revoke_reason  text,
  requests_per_minute integer,
  records_per_day     integer,
  covert_until   timestamptz,
  created_at     timestamptz not null default now()
);
create index grants_system_idx on grants (system_id, dataset_id);

-- Certificate verification by type, number and holder (the certificate registry's records only).
create index records_certificate_number_idx on records (dataset_id, (data->>'number')) where data ? 'number' and data ? 'typeCode';
