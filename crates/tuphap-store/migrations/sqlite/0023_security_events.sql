-- Security (issue 8): attack detection. One row per security event noticed by the web edge or
-- the domain: exploitation attempts (injection and traversal payloads, malformed requests),
-- unauthorised access (bad passwords, lockouts, records outside jurisdiction, blocked sources),
-- malware (uploads the scanner refused) and other (bulk reading of personal data). `detail` is a
-- short sanitized description, never the payload itself. `at` in unix microseconds. Events at or
-- above the alert severity also write a change-log row (entity `security_event`) for the SOC
-- webhook; this table is what the security page counts.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('exploitation_attempt', 'unauthorized_access', 'malware', 'other')),
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    source_ip TEXT CHECK (length(source_ip) <= 64),
    user_id INTEGER,
    actor TEXT CHECK (length(actor) <= 64),
    request_id TEXT CHECK (length(request_id) <= 64),
    method TEXT CHECK (length(method) <= 16),
    path TEXT CHECK (length(path) <= 400),
    detail TEXT NOT NULL DEFAULT '' CHECK (length(detail) <= 600)
);
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_category_at ON security_events (category, at);
CREATE INDEX security_events_source_at ON security_events (source_ip, at);
