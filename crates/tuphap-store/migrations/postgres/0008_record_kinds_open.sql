-- Keep in step with SQLite. Registry II adds event kinds and a record may concern an earlier
-- record (a divorce ends a marriage, an amendment changes a record).
-- 1. The CHECK lists of `kind` and `status` go: the domain's lists are the one authority, and a
--    new procedure must not need a schema change of a 51 M-row table.
-- 2. `target_record_id`: the earlier record this one concerns, indexed where set. Adding a
--    nullable column without a default rewrites nothing.
ALTER TABLE civil_records DROP CONSTRAINT IF EXISTS civil_records_kind_check;
ALTER TABLE civil_records DROP CONSTRAINT IF EXISTS civil_records_status_check;
ALTER TABLE civil_records ADD COLUMN target_record_id BIGINT REFERENCES civil_records (id);
CREATE INDEX civil_records_target ON civil_records (target_record_id) WHERE target_record_id IS NOT NULL;
