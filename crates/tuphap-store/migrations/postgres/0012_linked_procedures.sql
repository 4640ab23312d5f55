-- Linked procedures (issue 6, item 7): a registration starts a chain of calls to partner
-- agencies (birth → personal ID → residence → health-insurance card; death → population →
-- residence removal → funeral allowance). Each step is one outbox message; its state is the
-- message's status, and what the partner answered is kept on the message.

-- The exact request sent (built once, on the first attempt, so that every retry under the same
-- X-Road-Id carries the same body), the partner's answer, and how the step ended: 'done', or
-- 'skipped' (nothing to send, with the reason in last_error).
ALTER TABLE exchange_outbox ADD COLUMN request_body TEXT;
ALTER TABLE exchange_outbox ADD COLUMN response TEXT;
ALTER TABLE exchange_outbox ADD COLUMN outcome TEXT;
-- A record's steps, for its page: every message about one record shares its ordering key.
CREATE INDEX exchange_outbox_record ON exchange_outbox (ordering_key, id);

-- Numbers partner agencies gave a person (the personal ID itself lives on persons):
-- scheme 'health_insurance_card', 'permanent_residence', 'funeral_allowance'.
CREATE TABLE person_partner_ids (
    person_id BIGINT NOT NULL REFERENCES persons (id),
    scheme TEXT NOT NULL,
    value TEXT NOT NULL,
    -- The registration that started the step, and the message that brought the answer.
    record_id BIGINT,
    message_id TEXT NOT NULL,
    -- The X-Road id of the agency that assigned it.
    source TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, scheme)
);
