-- Idempotency keys of write API requests (SQLite). Keep in step with the PostgreSQL file.
-- A retried request with the same key and the same body gets the first answer again.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
