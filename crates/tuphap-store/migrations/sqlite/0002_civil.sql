-- Civil-status registry (SQLite). Keep in step with migrations/postgres/0002_civil.sql.
--
-- Sized for the national registry (~59 M records): every lookup the workflow needs is served
-- by an index (personal ID, folded name + date of birth, register number, work queues by
-- office and status). Records are never overwritten: each change of content appends a row to
-- civil_record_versions; civil_records holds the current state and the pointer to the version.

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    personal_id TEXT,
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    sex TEXT,
    date_of_birth TEXT,
    birth_year INTEGER,
    ethnicity_code TEXT,
    nationality_code TEXT,
    date_of_death TEXT,
    death_record_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX persons_personal_id ON persons (personal_id) WHERE personal_id IS NOT NULL;
CREATE INDEX persons_name_dob ON persons (name_folded, date_of_birth);

CREATE TABLE civil_records (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('birth', 'death', 'marriage')),
    status TEXT NOT NULL CHECK (status IN ('declared', 'returned', 'rejected', 'registered', 'certificate_issued')),
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
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX civil_records_register ON civil_records (office_id, kind, register_year, register_number)
    WHERE register_number IS NOT NULL;
CREATE INDEX civil_records_queue ON civil_records (office_id, status, id);
CREATE INDEX civil_records_subject ON civil_records (subject_person_id, kind);
CREATE INDEX civil_records_name ON civil_records (subject_name_folded, kind);

CREATE TABLE civil_record_versions (
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    reason TEXT,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE civil_record_persons (
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    role TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (record_id, role)
);
CREATE INDEX civil_record_persons_person ON civil_record_persons (person_id, role);

-- Register numbering: one counter row per office, register book and year, incremented inside
-- the registering transaction (row lock until commit: gapless and unique).
CREATE TABLE register_counters (
    office_id INTEGER NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (office_id, kind, year)
);
