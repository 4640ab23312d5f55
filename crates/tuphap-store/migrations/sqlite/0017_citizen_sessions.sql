-- Online services: citizen login by OpenID Connect (issue 7, item 2).
-- Citizens are not staff users: their sessions live here, never in `sessions` (which points at
-- `users`), so a citizen token can never authenticate a staff page or API.
-- Times are unix microseconds (INTEGER here, BIGINT on PostgreSQL), as in 0011.

-- A login in progress: what `/citizen/callback` must find again. Keyed by the SHA-256 (hex) of
-- a random value kept in a short-lived cookie of the browser that started the login.
CREATE TABLE citizen_logins (
    login_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX citizen_logins_expires ON citizen_logins (expires_at);

-- A logged-in citizen. Only the SHA-256 of the session token is kept.
CREATE TABLE citizen_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    -- The personal ID vouched for by the identity provider (`sub` of the ID token).
    personal_id TEXT NOT NULL,
    full_name TEXT NOT NULL,
    birthdate TEXT,
    gender TEXT,
    issuer TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX citizen_sessions_personal_id ON citizen_sessions (personal_id);
