-- Exchange processes keep a dataset's grants in memory for the hot reads (keyed pull,
-- verification, the read policy). Each read asks for the dataset's grant version in the same
-- statement as the record, so a cached copy that is not of the current version is replaced on the
-- very request after a change, whichever process (or fixture, or psql session) made it.
--
-- The version is bumped by a trigger, so no path that writes grants — approval, revocation,
-- supersession, expiry edits, the case scheduler, demo data — can forget to. Versions come from
-- one sequence: never reused, even if this table were emptied, so a cached version can only ever
-- match the state it was read with.
create sequence grant_version_seq;

-- No foreign key to datasets: the row is only a counter, and a row of a removed dataset is harmless.
create table grant_versions (
  dataset_id uuid primary key,
  version    bigint not null
);

create function brx_grant_version_bump() returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    -- before the rows go: every dataset that had grants gets a new version
    insert into grant_versions (dataset_id, version)
      select dataset_id, nextval('grant_version_seq') from (select distinct dataset_id from grants) d
      on conflict (dataset_id) do update set version = excluded.version;
    return null;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into grant_versions (dataset_id, version) values (new.dataset_id, nextval('grant_version_seq'))
      on conflict (dataset_id) do update set version = excluded.version;
  end if;
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and old.dataset_id is distinct from new.dataset_id) then
    insert into grant_versions (dataset_id, version) values (old.dataset_id, nextval('grant_version_seq'))
      on conflict (dataset_id) do update set version = excluded.version;
  end if;
  return null;
end $$;

create trigger grants_version_bump after insert or update or delete on grants
  for each row execute function brx_grant_version_bump();
create trigger grants_version_bump_truncate before truncate on grants
  for each statement execute function brx_grant_version_bump();

-- Grants made before this migration count as changed now.
insert into grant_versions (dataset_id, version)
  select dataset_id, nextval('grant_version_seq') from (select distinct dataset_id from grants) d;
