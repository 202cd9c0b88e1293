-- Sharing requests and objections as tracked cases (注册跟踪), the working-day calendar their
-- deadlines run on, absences for AB posts, disputes on records, notifications.

-- Public holidays and make-up working days (调休). A day not listed is a working day from Monday
-- to Friday and a rest day at the weekend. Seeded from the State Council's schedules for 2025 and
-- 2026 (as collected by the chinese-days package, MIT); later years come in over the admin API.
create table calendar_days (
  day  date primary key,
  kind text not null check (kind in ('holiday', 'workday')),
  name text not null default ''
);

-- A year is `confirmed` once its official schedule is entered; until then only weekends count.
create table calendar_years (
  year       integer primary key,
  confirmed  boolean not null default false,
  source     text not null default '',
  updated_at timestamptz not null default now()
);

insert into calendar_years (year, confirmed, source) values
  (2025, true, '国务院办公厅关于2025年部分节假日安排的通知'),
  (2026, true, '国务院办公厅关于2026年部分节假日安排的通知');

insert into calendar_days (day, kind, name) values
  ('2025-01-01', 'holiday', '元旦'),
  ('2025-01-26', 'workday', '春节调休'),
  ('2025-01-28', 'holiday', '春节'),
  ('2025-01-29', 'holiday', '春节'),
  ('2025-01-30', 'holiday', '春节'),
  ('2025-01-31', 'holiday', '春节'),
  ('2025-02-01', 'holiday', '春节'),
  ('2025-02-02', 'holiday', '春节'),
  ('2025-02-03', 'holiday', '春节'),
  ('2025-02-04', 'holiday', '春节'),
  ('2025-02-08', 'workday', '春节调休'),
  ('2025-04-04', 'holiday', '清明'),
  ('2025-04-05', 'holiday', '清明'),
  ('2025-04-06', 'holiday', '清明'),
  ('2025-04-27', 'workday', '劳动节调休'),
  ('2025-05-01', 'holiday', '劳动节'),
  ('2025-05-02', 'holiday', '劳动节'),
  ('2025-05-03', 'holiday', '劳动节'),
  ('2025-05-04', 'holiday', '劳动节'),
  ('2025-05-05', 'holiday', '劳动节'),
  ('2025-05-31', 'holiday', '端午'),
  ('2025-06-01', 'holiday', '端午'),
  ('2025-06-02', 'holiday', '端午'),
  ('2025-09-28', 'workday', '国庆节调休'),
  ('2025-10-01', 'holiday', '国庆节'),
  ('2025-10-02', 'holiday', '国庆节'),
  ('2025-10-03', 'holiday', '国庆节'),
  ('2025-10-04', 'holiday', '国庆节'),
  ('2025-10-05', 'holiday', '国庆节'),
  ('2025-10-06', 'holiday', '中秋'),
  ('2025-10-07', 'holiday', '国庆节'),
  ('2025-10-08', 'holiday', '国庆节'),
  ('2025-10-11', 'workday', '国庆节调休'),
  ('2026-01-01', 'holiday', '元旦'),
  ('2026-01-02', 'holiday', '元旦'),
  ('2026-01-03', 'holiday', '元旦'),
  ('2026-01-04', 'workday', '元旦调休'),
  ('2026-02-14', 'workday', '春节调休'),
  ('2026-02-15', 'holiday', '春节'),
  ('2026-02-16', 'holiday', '春节'),
  ('2026-02-17', 'holiday', '春节'),
  ('2026-02-18', 'holiday', '春节'),
  ('2026-02-19', 'holiday', '春节'),
  ('2026-02-20', 'holiday', '春节'),
  ('2026-02-21', 'holiday', '春节'),
  ('2026-02-22', 'holiday', '春节'),
  ('2026-02-23', 'holiday', '春节'),
  ('2026-02-28', 'workday', '春节调休'),
  ('2026-04-04', 'holiday', '清明'),
  ('2026-04-05', 'holiday', '清明'),
  ('2026-04-06', 'holiday', '清明'),
  ('2026-05-01', 'holiday', '劳动节'),
  ('2026-05-02', 'holiday', '劳动节'),
  ('2026-05-03', 'holiday', '劳动节'),
  ('2026-05-04', 'holiday', '劳动节'),
  ('2026-05-05', 'holiday', '劳动节'),
  ('2026-05-09', 'workday', '劳动节调休'),
  ('2026-06-19', 'holiday', '端午'),
  ('2026-06-20', 'holiday', '端午'),
  ('2026-06-21', 'holiday', '端午'),
  ('2026-09-20', 'workday', '国庆节调休'),
  ('2026-09-25', 'holiday', '中秋'),
  ('2026-09-26', 'holiday', '中秋'),
  ('2026-09-27', 'holiday', '中秋'),
  ('2026-10-01', 'holiday', '国庆节'),
  ('2026-10-02', 'holiday', '国庆节'),
  ('2026-10-03', 'holiday', '国庆节'),
  ('2026-10-04', 'holiday', '国庆节'),
  ('2026-10-05', 'holiday', '国庆节'),
  ('2026-10-06', 'holiday', '国庆节'),
  ('2026-10-07', 'holiday', '国庆节'),
  ('2026-10-10', 'workday', '国庆节调休')
;

-- A person away from their post (AB岗): their cases go to the dataset's backup meanwhile.
create table approver_absences (
  id         uuid primary key default gen_random_uuid(),
  user_id    uuid not null references users (id),
  from_day   date not null,
  until_day  date not null,
  reason     text not null default '',
  created_at timestamptz not null default now(),
  check (until_day >= from_day)
);
create index approver_absences_user_idx on approver_absences (user_id, until_day);

-- Tracking numbers: <prefix>-<yyyymmdd>-<six-digit sequence of that day>.
create table case_numbers (
  prefix text not null,
  day    date not null,
  last   integer not null,
  primary key (prefix, day)
);

create table cases (
  id                      uuid primary key default gen_random_uuid(),
  tracking_no             text not null unique,
  kind                    text not null check (kind in ('request', 'objection')),
  state                   text not null,
  requester_system_id     uuid not null references systems (id),
  requester_department_id uuid not null references departments (id),
  requester_user_id       uuid references users (id),
  requester_contact       text,
  purpose                 text not null,
  legal_basis             text not null default '',
  modes                   text[] not null default '{}',
  row_filter              jsonb,
  duration_days           integer,
  detail                  jsonb not null default '{}',   -- what was filed, as filed
  received_on             date not null,
  due_on                  date not null,                 -- end of this working day, Asia/Shanghai
  paused_at               timestamptz,
  pause_remaining         integer,                       -- working days left when the clock stopped
  extended_days           integer,
  supplement_items        text[] not null default '{}',  -- everything asked for so far (一次性告知)
  decided_state           text,                          -- the decision a dispute contests
  disputed_to             uuid references departments (id),
  near_notified           boolean not null default false,
  created_at              timestamptz not null,
  updated_at              timestamptz not null,
  closed_at               timestamptz
);
create index cases_requester_idx on cases (requester_department_id, created_at desc);
create index cases_open_idx on cases (state) where closed_at is null;

-- One sub-decision per dataset (并联审批 splits a request across providers).
create table case_parts (
  id                     uuid primary key default gen_random_uuid(),
  case_id                uuid not null references cases (id),
  dataset_id             uuid not null references datasets (id),
  fields                 text[] not null,
  department_id          uuid not null references departments (id),   -- who must act now
  assignee_id            uuid references users (id),
  acting_for_id          uuid references users (id),
  state                  text not null default 'pending'
                           check (state in ('pending', 'approved', 'partially_approved', 'rejected', 'corrected', 'withdrawn')),
  auto_fields            text[] not null default '{}',  -- granted at once (unconditional)
  refused_fields         text[] not null default '{}',  -- refused at once (none)
  escalated_to           uuid references departments (id),
  escalation_level       integer not null default 0,
  last_action_at         timestamptz not null,
  decision               jsonb,
  grant_id               uuid,
  decided_at             timestamptz,
  working_days_taken     integer,
  on_time                boolean,
  unique (case_id, dataset_id)
);
create index case_parts_department_idx on case_parts (department_id, state);
create index case_parts_dataset_idx on case_parts (dataset_id);

-- Everyone who may see a case's timeline besides the requester, auditors and platform admins.
create table case_departments (
  case_id       uuid not null references cases (id),
  department_id uuid not null references departments (id),
  primary key (case_id, department_id)
);
create index case_departments_department_idx on case_departments (department_id);

create table case_timeline (
  id             bigserial primary key,
  case_id        uuid not null references cases (id),
  at             timestamptz not null,
  action         text not null,
  actor_kind     text not null,
  actor_id       uuid,
  actor_name     text,
  department_id  uuid references departments (id),
  acting_for_id  uuid references users (id),
  dataset_id     uuid references datasets (id),
  from_state     text,
  to_state       text,
  note           text not null default '',
  attachments    jsonb not null default '[]',
  detail         jsonb not null default '{}'
);
create index case_timeline_case_idx on case_timeline (case_id, id);
create trigger case_timeline_append_only before update or delete on case_timeline
  for each row execute function brx_audit_refuse();

-- An open objection on a record's field: the flag travels with the record in reads and events.
create table record_disputes (
  case_id    uuid primary key references cases (id),
  dataset_id uuid not null references datasets (id),
  key        text not null,
  field      text not null,
  opened_at  timestamptz not null,
  opened_offset bigint not null,
  closed_at  timestamptz
);
create index record_disputes_open_idx on record_disputes (dataset_id, key) where closed_at is null;

alter table events add column dispute jsonb;

alter table grants
  add column case_id uuid references cases (id),
  add column legal_basis text not null default '',
  add column superseded_by uuid references grants (id),
  add column revoked_by uuid references users (id),
  add column expiry_notified boolean not null default false;
create index grants_dataset_idx on grants (dataset_id);

-- Where a consuming system is told about its cases (webhook, HMAC-signed with the secret).
alter table systems
  add column notify_url text,
  add column notify_secret text;

create table notifications (
  id            bigserial primary key,
  user_id       uuid references users (id),
  system_id     uuid references systems (id),
  case_id       uuid references cases (id),
  grant_id      uuid references grants (id),
  kind          text not null,
  title         text not null,
  detail        jsonb not null default '{}',
  dedupe        text,
  created_at    timestamptz not null,
  read_at       timestamptz,
  -- webhook delivery, for notifications of a system with a notify_url
  delivery      text not null default 'none' check (delivery in ('none', 'pending', 'delivered', 'failed')),
  attempts      integer not null default 0,
  next_attempt_at timestamptz,
  last_error    text,
  check ((user_id is null) <> (system_id is null))
);
create index notifications_user_idx on notifications (user_id, id desc) where user_id is not null;
create index notifications_system_idx on notifications (system_id, id desc) where system_id is not null;
create index notifications_pending_idx on notifications (next_attempt_at) where delivery = 'pending';
create unique index notifications_dedupe_idx on notifications (dedupe) where dedupe is not null;
