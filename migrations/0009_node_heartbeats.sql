-- A front-end node reports its state every interval (its jobs, spool depth, last error). The
-- exchange keeps the last report; a node whose beats stop is flagged offline (offline_since: when
-- the first missing beat was due) and its department's admins are told once per outage.
-- Times on the exchange's clock, like deadlines.
alter table nodes
  add column last_heartbeat_at timestamptz,
  add column heartbeat jsonb,
  add column offline_since timestamptz;
