-- The catalogue of administrative procedures offered as online public services (issue 7).
-- Seeded from data/procedures/procedures.csv (rows that are missing, and rows nobody has edited
-- when the shipped seed changes); edited by ministry administrators through the API and pages.
CREATE TABLE procedures (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    field TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('full', 'partial')),
    authority_level TEXT NOT NULL CHECK (authority_level IN ('commune', 'province', 'ministry')),
    processing_days BIGINT NOT NULL CHECK (processing_days BETWEEN 0 AND 365),
    processing_note TEXT NOT NULL DEFAULT '',
    fee_vnd BIGINT CHECK (fee_vnd IS NULL OR fee_vnd >= 0),
    fee_note TEXT NOT NULL DEFAULT '',
    -- One document per line.
    required_documents TEXT NOT NULL DEFAULT '',
    form TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    record_kind TEXT,
    online BOOLEAN NOT NULL DEFAULT TRUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- SHA-256 of the shipped seed row this entry was last loaded from (NULL: created by a person).
    seed_hash TEXT,
    -- Unix microseconds; updated_by NULL = written by the seed loader.
    updated_at BIGINT NOT NULL,
    updated_by BIGINT
);

CREATE INDEX procedures_field_level ON procedures (field, level);
