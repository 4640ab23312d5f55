-- Fees of civil-status services and the certified copies of register extracts issued (bản sao
-- trích lục hộ tịch, Luật Hộ tịch 2014, Điều 63–64). Keep in step with PostgreSQL.
--
-- `civil_fees`: one row per (province, service, channel, effective date). `province_code` NULL
-- is the national default. The amount in force for an office on a day is the row of the
-- office's province with the latest `effective_from` not after that day, else the national
-- default's: provinces set their own amounts by resolution of the provincial People's Council
-- (HĐND cấp tỉnh; Thông tư 85/2019/TT-BTC, Điều 3), and a province row overrides the default
-- from its effective date. Amounts are whole đồng.
CREATE TABLE civil_fees (
    id INTEGER PRIMARY KEY,
    province_code TEXT,
    service TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('counter', 'online')),
    effective_from TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL CHECK (amount_vnd >= 0),
    legal_basis TEXT NOT NULL
);
CREATE UNIQUE INDEX civil_fees_key
    ON civil_fees (COALESCE(province_code, ''), service, channel, effective_from);

-- The national default for a certified copy of an extract: 8,000 đồng per copy (Thông tư
-- 281/2016/TT-BTC, Biểu phí: phí khai thác, sử dụng thông tin trong Cơ sở dữ liệu hộ tịch,
-- 8.000 đồng/bản sao trích lục; in force from 01/01/2017).
INSERT INTO civil_fees (province_code, service, channel, effective_from, amount_vnd, legal_basis)
VALUES (NULL, 'extract_copy', 'counter', '2017-01-01', 8000,
        'Thông tư 281/2016/TT-BTC, Biểu phí: 8.000 đồng/bản sao trích lục hộ tịch');

-- `civil_extracts`: one row per issuance (one request, 1–50 copies) of a registered record, from
-- the record's version then current; `serial` numbers the issuances of a record (1, 2, …) and
-- names the copy in its signed verification code. An exemption (Luật Hộ tịch 2014, Điều 11
-- khoản 1: families with revolutionary merit, poor households, people with disabilities; the
-- domain holds the list of codes) charges nothing.
CREATE TABLE civil_extracts (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES civil_records (id),
    record_version INTEGER NOT NULL,
    serial INTEGER NOT NULL,
    copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 50),
    fee_id INTEGER NOT NULL REFERENCES civil_fees (id),
    fee_per_copy INTEGER NOT NULL CHECK (fee_per_copy >= 0),
    fee_total INTEGER NOT NULL,
    exemption TEXT,
    requester_name TEXT NOT NULL,
    requester_relationship TEXT NOT NULL,
    office_id INTEGER NOT NULL REFERENCES offices (id),
    issued_by INTEGER NOT NULL REFERENCES users (id),
    issued_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys (key_id),
    code TEXT NOT NULL,
    CHECK (fee_total = fee_per_copy * copies),
    CHECK (exemption IS NULL OR fee_per_copy = 0)
);
CREATE UNIQUE INDEX civil_extracts_serial ON civil_extracts (record_id, serial);
CREATE UNIQUE INDEX civil_extracts_code ON civil_extracts (code);
CREATE INDEX civil_extracts_office ON civil_extracts (office_id, issued_on);
