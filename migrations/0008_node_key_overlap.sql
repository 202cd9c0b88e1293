-- A node rotates its own signing key: the key it replaces keeps verifying batches until
-- previous_key_until, so batches signed just before the switch (still in its spool) are accepted.
-- Times on the database's clock, like credentials.
alter table nodes
  add column previous_public_key text,
  add column previous_key_until timestamptz;
