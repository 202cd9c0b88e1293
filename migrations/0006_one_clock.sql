-- A grant's validity is compared against the exchange's clock (the one that decides deadlines
-- and quotas), so the time it starts must come from that clock too: a database default of now()
-- read a different clock, and a grant written by it could be "not yet valid" to the exchange.
alter table grants alter column valid_from drop default;
