-- Keep in step with PostgreSQL. Two changes for a register of national size (≈ 51 M records):
--
-- 1. A record version's content is stored compressed (version_data.rs in tuphap-store): bytes,
--    self-describing by their first byte, so `data` is declared BLOB. Rows written before keep
--    their plain-JSON TEXT values (BLOB affinity converts nothing) and stay readable.
-- 2. The three tables keyed by a composite primary key become WITHOUT ROWID: the rows live in
--    the primary-key b-tree itself instead of a rowid table plus a second b-tree holding the key
--    again. At 1 M imported records that saves 81 MiB of 947 MiB, and every read by key is one
--    b-tree descent instead of two. Their rows are small (a compressed version is ~110 bytes).
--
-- The tables are rebuilt by copying (SQLite cannot change either property in place).

CREATE TABLE civil_record_versions_new (
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    version INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    reason TEXT,
    PRIMARY KEY (record_id, version)
) WITHOUT ROWID;
INSERT INTO civil_record_versions_new (record_id, version, data, created_at, created_by, reason)
    SELECT record_id, version, data, created_at, created_by, reason FROM civil_record_versions;
DROP TABLE civil_record_versions;
ALTER TABLE civil_record_versions_new RENAME TO civil_record_versions;

CREATE TABLE civil_record_persons_new (
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    role TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (record_id, role)
) WITHOUT ROWID;
INSERT INTO civil_record_persons_new (record_id, role, person_id)
    SELECT record_id, role, person_id FROM civil_record_persons;
DROP TABLE civil_record_persons;
ALTER TABLE civil_record_persons_new RENAME TO civil_record_persons;
CREATE INDEX civil_record_persons_person ON civil_record_persons (person_id, role);

CREATE TABLE register_counters_new (
    office_id INTEGER NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (office_id, kind, year)
) WITHOUT ROWID;
INSERT INTO register_counters_new (office_id, kind, year, last_number)
    SELECT office_id, kind, year, last_number FROM register_counters;
DROP TABLE register_counters;
ALTER TABLE register_counters_new RENAME TO register_counters;
