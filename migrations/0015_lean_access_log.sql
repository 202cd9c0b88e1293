-- A leaner access-log row (issue 16). Every audited read writes one row, so each index on
-- audit_access is paid on the hot path.
--
-- Subject keys: the GIN index on subject_keys (an array per row) gives way to a narrow side table,
-- one row per subject key and entry, filled by a statement trigger on audit_access: every writer
-- of the log indexes its entries, a process still on older code during a rolling upgrade too. A B-tree on (subject_key collate "C", seq) serves "who read this
-- person's records, newest first" with an index scan in seq order and a LIMIT, which the GIN
-- index could not (it returns a bitmap, sorted afterwards). The array stays in the row: it is
-- what the hash covers and what a search shows.
create table audit_access_subjects (
  subject_key text collate "C" not null,
  seq         bigint not null,
  primary key (subject_key, seq)
);

insert into audit_access_subjects (subject_key, seq)
select distinct k, a.seq from audit_access a cross join lateral unnest(a.subject_keys) as k;

drop index audit_access_subject_idx;

-- Once per statement over the rows it inserted (a transition table): a group of entries costs one
-- insert of its keys, not a trigger call per entry.
create function brx_index_access_subjects() returns trigger language plpgsql as $$
begin
  insert into audit_access_subjects (subject_key, seq)
  select distinct k, n.seq from inserted n cross join lateral unnest(n.subject_keys) as k;
  return null;
end $$;

create trigger audit_access_index_subjects after insert on audit_access
  referencing new table as inserted for each statement execute function brx_index_access_subjects();

-- Searching by system: a system's reads carry its id as actor_id as well (exchange/audit/store.ts
-- accessRow), so the actor index serves them; no index of its own.

-- Appending a group of access entries (exchange/audit/writer.ts). The entries go in first and the
-- head moves last, so the head row is locked only for the update and the commit. Groups are
-- hashed onto groups still being written: a group whose predecessor is not at the head yet (still
-- inserting, or going again after a failed try) waits for it, on the head row's lock once the
-- predecessor holds it, and polling the head before that. It moves the head only if the head is
-- exactly where its entries were chained; a head elsewhere (another process appended, or the
-- predecessor did not come within a second) writes nothing: SQLSTATE BXA01, or 23505 on the
-- primary key when another process wrote these sequence numbers, and the writer chains the
-- group again. Each statement of this (volatile) function sees what committed before it began.
create function brx_append_access(head_seq bigint, head_hash text, expected_seq bigint, expected_hash text, entries json)
returns void language plpgsql as $$
declare
  give_up timestamptz := clock_timestamp() + interval '1 second';
  at_seq bigint;
begin
  insert into audit_access
  select * from json_populate_recordset(null::audit_access, entries);
  loop
    update audit_heads set seq = head_seq, hash = head_hash
     where log = 'access' and seq = expected_seq and hash = expected_hash;
    if found then
      return;
    end if;
    select h.seq into at_seq from audit_heads h where h.log = 'access';
    exit when at_seq >= expected_seq or clock_timestamp() > give_up;
    perform pg_sleep(0.001);
  end loop;
  raise exception 'the access log head is not at entry % as these entries were chained', expected_seq
    using errcode = 'BXA01';
end $$;

-- The side table is as append-only as the log it indexes: deleting a key would hide an entry from
-- the subject's report without breaking the chain. (The application role gets INSERT and SELECT
-- only on tables guarded by brx_audit_refuse: exchange/db/app-role.ts.)
create trigger audit_access_subjects_append_only before update or delete on audit_access_subjects
  for each row execute function brx_audit_refuse();
create trigger audit_access_subjects_no_truncate before truncate on audit_access_subjects
  for each statement execute function brx_audit_refuse();
revoke update, delete, truncate on audit_access_subjects from public;
revoke update, delete, truncate on audit_access_subjects from current_user;
