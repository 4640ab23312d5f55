-- Strong authentication for officials (issue 8): TOTP second factor, one-time recovery codes,
-- and what a session proves (enrolment-only sessions, time of the last password/TOTP check,
-- time of the second-factor check).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
-- The last 30-second step whose code was accepted: a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE user_recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

-- 'full' = a normal session; 'enrol' = password checked, second factor missing: only the
-- enrolment page accepts it.
ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'full' CHECK (purpose IN ('full', 'enrol'));
ALTER TABLE sessions ADD COLUMN reauth_at TEXT;
ALTER TABLE sessions ADD COLUMN second_factor_at TEXT;
