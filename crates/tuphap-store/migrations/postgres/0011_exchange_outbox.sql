-- Exchange: durable outbound delivery to partner systems (issue 6, item 3).
-- Times are unix microseconds (BIGINT here, INTEGER on SQLite: identical claim SQL, exact comparisons).

-- A partner subsystem that takes some kinds of change-log rows through one service.
CREATE TABLE exchange_subscriptions (
    -- X-Road client id of the receiver: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    subscriber TEXT NOT NULL,
    service TEXT NOT NULL,
    -- Which change-log rows it takes: comma-separated `entity:action` patterns, `*` = any.
    takes TEXT NOT NULL,
    endpoint_url TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- The change-log sequence this subscription has been fed up to (inclusive).
    fed_up_to BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (subscriber, service)
);

CREATE TABLE exchange_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber TEXT NOT NULL,
    service TEXT NOT NULL,
    -- Idempotency key sent as X-Road-Id; the receiver dedups by it.
    message_id TEXT NOT NULL,
    -- Messages with the same key are delivered one at a time, in id order (per-record ordering).
    ordering_key TEXT NOT NULL,
    change_seq BIGINT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    claimed_by TEXT,
    claimed_until BIGINT,
    FOREIGN KEY (subscriber, service) REFERENCES exchange_subscriptions (subscriber, service),
    UNIQUE (subscriber, message_id)
);
-- The dispatcher's claim: due messages not yet delivered.
CREATE INDEX exchange_outbox_due ON exchange_outbox (next_attempt_at, id)
    WHERE status IN ('pending', 'delivering');
-- The ordering check: earlier undelivered messages of the same record.
CREATE INDEX exchange_outbox_ordering ON exchange_outbox (subscriber, ordering_key, id)
    WHERE status <> 'delivered';
-- Operator views: dead letters, oldest pending, counts per subscriber and status.
CREATE INDEX exchange_outbox_status ON exchange_outbox (status, subscriber, created_at);
