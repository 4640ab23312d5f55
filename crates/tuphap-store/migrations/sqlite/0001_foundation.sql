-- Foundation schema (SQLite). Keep in step with migrations/postgres/0001_foundation.sql:
-- same tables, columns and meaning; only the types differ.

-- Change log: one row per committed domain change, numbered by a counter row that each
-- writing transaction increments as its last step (see tuphap_store::changelog).
CREATE TABLE change_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO change_log_head (id, last_seq) VALUES (1, 0);

CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_user_id INTEGER,
    payload TEXT NOT NULL
);
CREATE INDEX change_log_entity ON change_log (entity, entity_id);

-- Audit chain: append-only, each entry carries the previous entry's hash.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_micros INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_username TEXT,
    actor_office TEXT,
    source_ip TEXT,
    request_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    purpose TEXT,
    details TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Reference data.
CREATE TABLE reference_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE admin_units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    type_code TEXT,
    parent_code TEXT,
    province_code TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    source TEXT NOT NULL
);
CREATE UNIQUE INDEX admin_units_code_from ON admin_units (code, level, valid_from);
CREATE INDEX admin_units_level ON admin_units (level, code);
CREATE INDEX admin_units_parent ON admin_units (parent_code, level);
CREATE INDEX admin_units_province ON admin_units (province_code, level);

CREATE TABLE admin_unit_successions (
    old_code TEXT NOT NULL,
    old_level TEXT NOT NULL,
    new_code TEXT NOT NULL,
    new_level TEXT NOT NULL,
    relation TEXT NOT NULL,
    effective TEXT NOT NULL,
    PRIMARY KEY (old_code, old_level, new_code, new_level)
);
CREATE INDEX admin_unit_successions_new ON admin_unit_successions (new_code, new_level);

CREATE TABLE ethnic_groups (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_with_alt TEXT NOT NULL,
    name_ascii TEXT NOT NULL,
    spelling_variants TEXT NOT NULL,
    other_names TEXT NOT NULL
);

CREATE TABLE countries (
    alpha2 TEXT PRIMARY KEY,
    alpha3 TEXT NOT NULL,
    numeric_code TEXT NOT NULL,
    name_vi TEXT NOT NULL,
    name_vi_alt TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_en_alt TEXT NOT NULL,
    iso_status TEXT NOT NULL
);

-- Working-day calendar: government decisions on days off / worked days, editable data.
CREATE TABLE calendar_adjustments (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('day_off', 'working_day')),
    name_vi TEXT NOT NULL,
    legal_basis TEXT,
    updated_by INTEGER,
    updated_at TEXT NOT NULL
);

-- Identity and access.
CREATE TABLE offices (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('commune', 'province', 'ministry')),
    name TEXT NOT NULL,
    unit_code TEXT,
    unit_level TEXT,
    unit_valid_from TEXT,
    province_code TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    office_id INTEGER NOT NULL REFERENCES offices (id),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_office ON users (office_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked_at TEXT,
    source_ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
