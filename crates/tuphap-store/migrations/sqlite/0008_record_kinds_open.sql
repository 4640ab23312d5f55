-- no-transaction
-- Keep in step with PostgreSQL. Registry II adds event kinds (recorded divorces, marital-status
-- certificates, parentage, guardianship, adoption, amendments…) and a record may concern an
-- earlier record (a divorce ends a marriage, an amendment changes a record).
--
-- 1. The CHECK lists of `kind` and `status` go: the domain's kinds and statuses are the one
--    list (tuphap-domain civil::KINDS / status_label). SQLite cannot drop a CHECK in place, so
--    this is the last time a new procedure rebuilds this table; at 51 M records a rebuild
--    copies ~8 GB.
-- 2. `target_record_id`: the earlier record this one concerns, indexed where set.
--
-- Rebuilt by SQLite's documented procedure: foreign keys off around one transaction (the child
-- tables' references name `civil_records` and resolve to the renamed table; the rows are the
-- same rows). Run without sqlx's transaction because `PRAGMA foreign_keys` is a no-op inside
-- one; a run killed before sqlx records it rolls back and runs again whole.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE IF EXISTS civil_records_new;
CREATE TABLE civil_records_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    office_id INTEGER NOT NULL REFERENCES offices (id),
    unit_code TEXT,
    event_date TEXT NOT NULL,
    subject_person_id INTEGER NOT NULL REFERENCES persons (id),
    subject_name_folded TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    declared_by INTEGER NOT NULL REFERENCES users (id),
    declared_at TEXT NOT NULL,
    registered_by INTEGER REFERENCES users (id),
    registered_on TEXT,
    register_book TEXT,
    register_year INTEGER,
    register_number INTEGER,
    status_reason TEXT,
    duplicate_override_reason TEXT,
    updated_at TEXT NOT NULL,
    source_system TEXT,
    source_id TEXT,
    target_record_id INTEGER REFERENCES civil_records (id)
);
INSERT INTO civil_records_new (id, kind, status, office_id, unit_code, event_date,
        subject_person_id, subject_name_folded, current_version, late, declared_by, declared_at,
        registered_by, registered_on, register_book, register_year, register_number,
        status_reason, duplicate_override_reason, updated_at, source_system, source_id)
    SELECT id, kind, status, office_id, unit_code, event_date, subject_person_id,
        subject_name_folded, current_version, late, declared_by, declared_at, registered_by,
        registered_on, register_book, register_year, register_number, status_reason,
        duplicate_override_reason, updated_at, source_system, source_id
    FROM civil_records;
DROP TABLE civil_records;
ALTER TABLE civil_records_new RENAME TO civil_records;
CREATE UNIQUE INDEX civil_records_register ON civil_records (office_id, kind, register_year, register_number)
    WHERE register_number IS NOT NULL;
CREATE UNIQUE INDEX civil_records_source ON civil_records (source_system, source_id)
    WHERE source_id IS NOT NULL;
CREATE INDEX civil_records_queue ON civil_records (office_id, status, id);
CREATE INDEX civil_records_subject ON civil_records (subject_person_id, kind);
CREATE INDEX civil_records_name ON civil_records (subject_name_folded, kind);
CREATE INDEX civil_records_target ON civil_records (target_record_id) WHERE target_record_id IS NOT NULL;
-- The indexes are all here now; a killed bulk load's set-aside copies of them are obsolete.
DELETE FROM deferred_schema WHERE name IN ('civil_records_queue', 'civil_records_subject',
    'civil_records_name');
COMMIT;
PRAGMA foreign_keys = ON;
