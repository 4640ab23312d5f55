-- Exchange: the signed message log (issue 6, item 4). Every message in either direction is
-- recorded, in the transaction of the work it belongs to, before it is delivered or answered.
-- Hash-chained (see tuphap_core::exchange_proof for the hash), the head signed in batches
-- (checkpoints, Ed25519). Times are unix microseconds.

CREATE TABLE exchange_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO exchange_log_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE exchange_message_log (
    seq INTEGER PRIMARY KEY,
    recorded_at INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    kind TEXT NOT NULL CHECK (kind IN ('request', 'response')),
    -- The X-Road-Id.
    message_id TEXT NOT NULL,
    -- X-Road client id INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    client TEXT NOT NULL,
    -- Full service id, e.g. VN/GOV/BCA/CSDLQGDC/assignPersonalId.
    service TEXT NOT NULL,
    -- HTTP status of a response; NULL for a request.
    status INTEGER,
    -- For a response, microseconds since its request; NULL for a request.
    duration_us INTEGER,
    -- base64(SHA-512(body)), as X-Road-Request-Hash.
    body_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX exchange_message_log_message ON exchange_message_log (message_id, seq);
CREATE INDEX exchange_message_log_recorded ON exchange_message_log (recorded_at);

CREATE TRIGGER exchange_message_log_no_update BEFORE UPDATE ON exchange_message_log
BEGIN SELECT RAISE(ABORT, 'exchange_message_log is append-only'); END;
CREATE TRIGGER exchange_message_log_no_delete BEFORE DELETE ON exchange_message_log
BEGIN SELECT RAISE(ABORT, 'exchange_message_log is append-only'); END;

-- The public halves of the checkpoint keys (the private halves are files in <data-dir>/keys).
CREATE TABLE exchange_log_keys (
    key_id TEXT PRIMARY KEY,
    -- 32-byte Ed25519 public key, hex.
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

-- Signed checkpoints: Ed25519 over tuphap_core::exchange_proof::checkpoint_text.
CREATE TABLE exchange_log_checkpoints (
    up_to_seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES exchange_log_keys (key_id),
    -- base64 of the 64-byte signature.
    signature TEXT NOT NULL,
    signed_at INTEGER NOT NULL
);
