-- Catalog (信息资源目录) and publishing: datasets, versioned contracts, records, the event log,
-- batches with their signed payloads, and the quarantine of rejected records.

create table datasets (
  id                     uuid primary key default gen_random_uuid(),
  -- <region code>-<provider organisation code>-<4-digit sequence>, assigned by brx at drafting
  code                   text not null unique,
  name                   text not null,
  summary                text not null default '',
  provider_department_id uuid not null references departments (id),
  class                  text not null check (class in ('base', 'thematic', 'department')),
  sharing_type           text not null check (sharing_type in ('unconditional', 'conditional', 'none')),
  sharing_conditions     text not null default '',
  legal_basis            text not null default '',
  open_type              text not null check (open_type in ('open', 'conditional', 'closed')),
  exchange_modes         text[] not null,
  update_cycle           text not null check (update_cycle in ('realtime', 'daily', 'weekly', 'monthly', 'yearly')),
  key_field              text not null,
  request_deadline_days  integer not null default 10 check (request_deadline_days between 1 and 60),
  primary_contact_id     uuid references users (id),
  backup_contact_id      uuid references users (id),
  tags                   text[] not null default '{}',
  status                 text not null default 'draft' check (status in ('draft', 'published', 'retired')),
  current_version        text,                 -- the contract version records are validated against
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  published_at           timestamptz,
  retired_at             timestamptz,
  check (exchange_modes <@ array['subscribe', 'pull', 'verify', 'file']::text[] and cardinality(exchange_modes) > 0)
);
create index datasets_provider_idx on datasets (provider_department_id);
create index datasets_tags_idx on datasets using gin (tags);

create table dataset_contracts (
  dataset_id  uuid not null references datasets (id),
  version     text not null,                   -- major.minor
  major       integer not null,
  minor       integer not null,
  schema      jsonb not null,                  -- JSON Schema of one record
  fields      jsonb not null,                  -- per-field metadata: title, sensitivity, masking, …
  created_at  timestamptz not null default now(),
  created_by  uuid references users (id),
  primary key (dataset_id, version),
  unique (dataset_id, major, minor)
);

-- The current state of every record, a tombstone (deleted = true) after a delete.
create table records (
  dataset_id       uuid not null references datasets (id),
  key              text not null,
  data             jsonb,
  deleted          boolean not null default false,
  contract_version text not null,
  node_id          uuid references nodes (id),
  user_id          uuid references users (id),   -- a person resubmitting from quarantine
  batch_id         text not null,
  source_time      timestamptz not null,
  received_at      timestamptz not null default now(),
  content_hash     text not null,
  last_offset      bigint not null,
  primary key (dataset_id, key)
);

-- Event log, PostgreSQL implementation. An event is appended in the transaction that changes
-- its record (transactional outbox). Offsets are dense per dataset and assigned while holding
-- the dataset's row in event_heads, which is released only at commit: a transaction cannot take
-- offsets until every earlier taker of that dataset has committed or rolled back, so offsets
-- become visible in increasing order and a reader that has seen N never later finds one below N.
create table event_heads (
  dataset_id  uuid primary key references datasets (id),
  last_offset bigint not null default 0
);

create table events (
  dataset_id       uuid not null references datasets (id),
  "offset"         bigint not null,
  key              text not null,
  op               text not null check (op in ('upsert', 'delete')),
  data             jsonb,
  contract_version text not null,
  source_time      timestamptz not null,
  committed_at     timestamptz not null default now(),
  batch_id         text not null,
  primary key (dataset_id, "offset")
);

create table batches (
  id            uuid primary key default gen_random_uuid(),
  dataset_id    uuid not null references datasets (id),
  batch_id      text not null,
  node_id       uuid references nodes (id),
  user_id       uuid references users (id),
  received_at   timestamptz not null default now(),
  record_count  integer not null,
  accepted      integer not null,
  unchanged     integer not null,
  stale         integer not null,
  rejected      integer not null,
  first_offset  bigint,
  last_offset   bigint,
  body_sha256   text,                         -- hex SHA-256 of the request body as received
  signature     text,                         -- base64 Ed25519 signature of the node
  signing_key   text,                         -- the node's public key (SPKI PEM) that verified it
  result        jsonb not null,               -- the answer given, returned again on a replay
  unique (dataset_id, batch_id)
);
create index batches_dataset_idx on batches (dataset_id, received_at desc);

-- The signed body as received (gzip), so a batch signature can be re-verified against its content.
create table batch_payloads (
  batch_row_id uuid primary key references batches (id),
  body_gzip    bytea not null
);

create table quarantine (
  id            uuid primary key default gen_random_uuid(),
  dataset_id    uuid not null references datasets (id),
  batch_id      text not null,
  node_id       uuid references nodes (id),
  record_index  integer not null,
  key           text,
  op            text,
  record        jsonb not null,                -- the record exactly as sent
  errors        jsonb not null,
  status        text not null default 'open' check (status in ('open', 'resolved', 'discarded')),
  created_at    timestamptz not null default now(),
  resolved_at   timestamptz,
  resolution    text                           -- the batch that fixed it, or the reason it was discarded
);
create index quarantine_open_idx on quarantine (dataset_id, created_at) where status = 'open';
create index quarantine_key_idx on quarantine (dataset_id, key) where status = 'open';
