-- Idempotency keys of write API requests (PostgreSQL). Keep in step with the SQLite file.
-- A retried request with the same key and the same body gets the first answer again.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
