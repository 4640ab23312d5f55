-- Exchange: durable outbound delivery to partner systems (issue 6, item 3).
-- Times are unix microseconds (INTEGER on both engines: identical claim SQL, exact comparisons).

-- A partner subsystem that takes some kinds of change-log rows through one service.
CREATE TABLE exchange_subscriptions (
    -- X-Road client id of the receiver: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    subscriber TEXT NOT NULL,
    service TEXT NOT NULL,
    -- Which change-log rows it takes: comma-separated `entity:action` patterns, `*` = any.
    takes TEXT NOT NULL,
    endpoint_url TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The change-log sequence this subscription has been fed up to (inclusive).
    fed_up_to INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (subscriber, service)
);

CREATE TABLE exchange_outbox (
    id INTEGER PRIMARY KEY,
    subscriber TEXT NOT NULL,
    service TEXT NOT NULL,
    -- Idempotency key sent as X-Road-Id; the receiver dedups by it.
    message_id TEXT NOT NULL,
    -- Messages with the same key are delivered one at a time, in id order (per-record ordering).
    ordering_key TEXT NOT NULL,
    change_seq INTEGER,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    claimed_by TEXT,
    claimed_until INTEGER,
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
