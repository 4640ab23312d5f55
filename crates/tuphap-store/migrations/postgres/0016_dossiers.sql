-- Online public services (issue 7): dossiers of administrative procedures, their deadlines and
-- their event log (what the Decision 766 indicators are computed from). Times are unix
-- microseconds; dates (due dates) are calendar dates. The procedure code is text: the catalogue
-- (migration 0015) is not referenced by a foreign key.

-- The unit code of an office in the electronic-document standard (Circular 10/2016/TT-BTTTT),
-- the prefix of its dossier codes (Circular 01/2018/TT-VPCP Art. 19). Set by administrators.
CREATE TABLE dossier_unit_codes (
    office_id BIGINT PRIMARY KEY REFERENCES offices (id),
    unit_code TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Last serial (XXXX) of a dossier code per unit code and day (YYMMDD): gapless, the row stays
-- locked until the submitting transaction ends.
CREATE TABLE dossier_serials (
    unit_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (unit_code, day)
);

CREATE TABLE dossiers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- mã hồ sơ, V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX
    code TEXT NOT NULL UNIQUE,
    procedure_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    applicant_personal_id TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    -- KenhThucHien: 1 in person, 2 online, 3 post
    channel INTEGER NOT NULL CHECK (channel IN (1, 2, 3)),
    status TEXT NOT NULL,
    -- the procedure's time limit in working days (0: same day)
    processing_days INTEGER NOT NULL CHECK (processing_days >= 0),
    -- NgayNopHoSo, NgayTiepNhan, NgayKetThucXuLy, the result handed over
    submitted_at BIGINT NOT NULL,
    received_at BIGINT,
    finished_at BIGINT,
    returned_at BIGINT,
    -- NgayHenTra (moved by supplement answers), and the new date of a Form 04 apology
    due_on DATE,
    reappointed_on DATE,
    -- the clock is stopped (supplement requested) since; working days not counted so far
    paused_since BIGINT,
    paused_days INTEGER NOT NULL DEFAULT 0,
    supplement_count INTEGER NOT NULL DEFAULT 0,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    -- the civil record the dossier led to
    record_id BIGINT REFERENCES civil_records (id),
    -- DuocThanhToanTrucTuyen: 0 not paid online, 1 national portal, 2 ministry/provincial gateway
    paid_online INTEGER NOT NULL DEFAULT 0 CHECK (paid_online IN (0, 1, 2)),
    has_result BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dossiers_office_status ON dossiers (office_id, status, id);
CREATE INDEX dossiers_applicant ON dossiers (applicant_personal_id, id);
CREATE INDEX dossiers_open_due ON dossiers (office_id, due_on) WHERE finished_at IS NULL;

-- Every transition of a dossier, append-only.
CREATE TABLE dossier_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    -- the officer, or NULL when the citizen acted (by_personal_id)
    by_user_id BIGINT REFERENCES users (id),
    by_personal_id TEXT,
    status_before TEXT,
    status_after TEXT NOT NULL,
    due_before DATE,
    due_after DATE,
    -- JSON: reasons, the missing items, the Form 04 text, …
    details TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, id);
CREATE INDEX dossier_events_at ON dossier_events (at);

CREATE FUNCTION dossier_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dossier_events is append-only';
END;
$$;
CREATE TRIGGER dossier_events_no_update BEFORE UPDATE OR DELETE OR TRUNCATE
ON dossier_events
FOR EACH STATEMENT EXECUTE FUNCTION dossier_events_append_only();
