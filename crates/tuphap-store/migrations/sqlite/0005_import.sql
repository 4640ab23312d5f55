-- Bulk import of legacy civil-status data (SQLite). Keep in step with PostgreSQL.
--
-- Imported records carry their source (system and id in it): a re-run never loads a row twice.
-- Offices of units that no longer exist (communes before the 2025 reform) are kept as
-- historical offices: their register books keep their numbers (unit_valid_to says until when).
-- An import run is one file of one source; its progress (bytes and lines done) is written in
-- the same transaction as each batch, so a killed import continues exactly where it stopped.
ALTER TABLE civil_records ADD COLUMN source_system TEXT;
ALTER TABLE civil_records ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX civil_records_source ON civil_records (source_system, source_id)
    WHERE source_id IS NOT NULL;

ALTER TABLE offices ADD COLUMN unit_valid_to TEXT;

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    source_system TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    bytes_done INTEGER NOT NULL,
    lines_done INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX import_runs_file ON import_runs (source_system, fingerprint);

CREATE TABLE import_rejects (
    run_id INTEGER NOT NULL REFERENCES import_runs (id),
    line INTEGER NOT NULL,
    source_id TEXT,
    field TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
);
