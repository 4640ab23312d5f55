-- Exchange: partner members, client keys, access rights, inbound requests (issue 6, items 1–2).
-- Times are unix microseconds (BIGINT here, INTEGER on SQLite), as in 0011.

-- A partner subsystem that may call our inbound services.
CREATE TABLE exchange_members (
    -- X-Road client id: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    rate_limit_per_minute BIGINT NOT NULL CHECK (rate_limit_per_minute > 0),
    created_at BIGINT NOT NULL
);

-- API keys of a member. Only the SHA-256 of the secret is kept (hex); the secret is shown once.
CREATE TABLE exchange_client_keys (
    key_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES exchange_members (client_id),
    secret_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set when a newer key replaces it (rotation grace) or at issue; NULL = no expiry.
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX exchange_client_keys_client ON exchange_client_keys (client_id, created_at);

-- Access rights: deny by default; one row per (client, service, endpoint).
CREATE TABLE exchange_access_rights (
    client_id TEXT NOT NULL REFERENCES exchange_members (client_id),
    service_code TEXT NOT NULL,
    -- `*` (every endpoint of the service) or `METHOD /path` (a trailing `*` matches any rest).
    endpoint TEXT NOT NULL DEFAULT '*',
    -- For the lookup services: comma-separated fields the client may see.
    fields TEXT NOT NULL DEFAULT '',
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, service_code, endpoint)
);

-- The first answer to each (client, X-Road-Id): a repeat gets it again.
CREATE TABLE exchange_inbound_requests (
    client_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    -- 0 while the request is being processed (claimed), else the HTTP status answered.
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, message_id)
);
CREATE INDEX exchange_inbound_requests_created ON exchange_inbound_requests (created_at);
