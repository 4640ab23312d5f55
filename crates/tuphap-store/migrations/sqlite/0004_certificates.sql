-- Certificate signing keys and issued certificates (SQLite). Keep in step with PostgreSQL.
-- Public keys live in the database (every node can verify); private keys stay in the data
-- directory of the node that signs.
CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    office_id INTEGER NOT NULL REFERENCES offices (id),
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX signing_keys_office ON signing_keys (office_id, retired_at);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    record_version INTEGER NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys (key_id),
    code TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    issued_by INTEGER NOT NULL REFERENCES users (id),
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_code ON certificates (code);
CREATE INDEX certificates_record ON certificates (record_id, id);
