-- Consuming shared data: subscriptions, daily record quotas, sealed cursors.

-- A consuming system's subscription (订阅) to a dataset through its subscribe grant. `cursor` is
-- the last offset the consumer acknowledged (pull) or that a webhook receiver accepted; events
-- after it are delivered again until acknowledged (at-least-once). A subscription started from
-- the beginning first walks a snapshot of the records as they stood at `snapshot_head`, in key
-- order (`snapshot_after` is the last key acknowledged), then a marker, then the changes after
-- that offset.
create table subscriptions (
  id               uuid primary key default gen_random_uuid(),
  system_id        uuid not null references systems (id),
  dataset_id       uuid not null references datasets (id),
  grant_id         uuid not null references grants (id),
  delivery         text not null check (delivery in ('pull', 'webhook')),
  url              text,
  secret           text,                        -- the receiver's HMAC key: write-only in the API
  start            text not null check (start in ('now', 'beginning', 'offset')),
  "cursor"         bigint not null,
  snapshot_head    bigint,                      -- set while the snapshot is being delivered
  snapshot_after   text,
  status           text not null default 'active' check (status in ('active', 'failing', 'cancelled')),
  failing_since    timestamptz,                 -- first failed attempt since the last success
  attempts         integer not null default 0,
  next_attempt_at  timestamptz,
  last_error       text,
  last_delivery_at timestamptz,
  delivered        bigint not null default 0,   -- events delivered (acknowledged) in all
  lease_until      timestamptz,                 -- a process delivering this webhook holds it until then
  created_at       timestamptz not null default now(),
  check ((delivery = 'webhook') = (url is not null and secret is not null))
);
create index subscriptions_system_idx on subscriptions (system_id);
create index subscriptions_webhook_idx on subscriptions (next_attempt_at) where delivery = 'webhook' and status <> 'cancelled';

-- Records served per grant per day (China Standard Time), for grants with a daily quota.
create table grant_usage (
  grant_id uuid not null references grants (id),
  day      date not null,
  records  bigint not null,
  primary key (grant_id, day)
);

-- Keys that seal cursors (export and snapshot positions): a cursor names a record key the
-- consumer may not be granted in clear, so it travels encrypted. One key for every process.
create table platform_keys (
  name   text primary key,
  secret bytea not null
);
insert into platform_keys (name, secret)
values ('cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

