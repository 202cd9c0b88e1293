-- Ingest's hot path, measured (issue 16): every inserted row of records and events fired a
-- foreign-key check (SELECT 1 … FOR KEY SHARE on datasets, nodes, users), three per record,
-- 11–13 µs of PostgreSQL CPU per record. Nothing deletes datasets, nodes or users (they are
-- retired, revoked, disabled), and ingest writes a dataset's records only while holding its row
-- in event_heads, which still references datasets: the checks guarded nothing.
alter table records drop constraint if exists records_dataset_id_fkey;
alter table records drop constraint if exists records_node_id_fkey;
alter table records drop constraint if exists records_user_id_fkey;
alter table events drop constraint if exists events_dataset_id_fkey;

-- Record keys are identifiers (ID numbers, credit codes, certificate numbers) compared for
-- equality and paged in a stable order, never sorted for people: byte order serves both, and its
-- B-tree inserts measured 1.5–1.9× faster than the locale's collation. A key compared with text
-- of the default collation takes the column's ("C").
alter table records alter column key type text collate "C";
alter table events alter column key type text collate "C";
