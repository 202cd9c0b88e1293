-- What a subscription may receive without the bulk (file) mode, and what its daily quota has
-- already paid for.
--   origin          the first offset it was entitled to by `subscribe` alone (the head when it was
--                   created); replaying from before it copies history, which needs `file`
--   charged_offset  changes up to this offset have been counted against the grant's records a
--                   day, so a redelivery (an unacknowledged batch, a webhook that failed) is free
--   charged_key     the same for the snapshot, in key order
alter table subscriptions
  add column origin bigint,
  add column charged_offset bigint not null default 0,
  add column charged_key text;
update subscriptions set origin = coalesce(snapshot_head, "cursor"), charged_offset = "cursor", charged_key = snapshot_after;
alter table subscriptions alter column origin set not null;
