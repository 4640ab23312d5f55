-- Online public services (issue 7): what a citizen files with a dossier. The application is the
-- form's content as JSON (for a birth registration, the API's BirthDeclaration), so that the
-- officer's registry form is pre-filled from it; the fee is what the citizen owes (copies of
-- extracts and fee-bearing procedures), paid through the payment gateway (migration 0019).
ALTER TABLE dossiers ADD COLUMN application TEXT;
ALTER TABLE dossiers ADD COLUMN copies INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN fee_vnd INTEGER NOT NULL DEFAULT 0;

-- The files uploaded with a dossier (the procedure's required documents: giấy chứng sinh, …).
-- Content is kept in the database: a file is acknowledged only with the dossier's transaction,
-- and a backup of the database holds the files with it. scan_status: the anti-malware verdict
-- (not_scanned until a scanner is configured, clean, infected, pending while the scanner is
-- down).
CREATE TABLE dossier_files (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    -- the required document this file answers (its name in the catalogue), or 'khác'
    component TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    scan_status TEXT NOT NULL DEFAULT 'not_scanned',
    uploaded_at INTEGER NOT NULL,
    uploaded_by_personal_id TEXT
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id, id);
CREATE INDEX dossiers_record ON dossiers (record_id) WHERE record_id IS NOT NULL;
