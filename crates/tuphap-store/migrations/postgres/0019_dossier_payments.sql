-- Online public services (issue 7): fee payment of dossiers through a payment gateway. One row
-- per payment attempt (a citizen may start again after cancelling); `reference` is what the
-- gateway knows the payment by. Times are unix microseconds.
--   status: pending (sent to the gateway), paid, failed, cancelled
--   confirmed_by: how the outcome became known: callback (the gateway's signed server-to-server
--   notice), return (the signed parameters the citizen's browser brought back), reconciliation
--   (our query of the gateway's transaction API for a payment left pending)
CREATE TABLE dossier_payments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
    reference TEXT NOT NULL UNIQUE,
    amount_vnd BIGINT NOT NULL CHECK (amount_vnd > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'cancelled')),
    gateway_txn TEXT,
    confirmed_by TEXT CHECK (confirmed_by IN ('callback', 'return', 'reconciliation')),
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dossier_payments_dossier ON dossier_payments (dossier_id, id);
CREATE INDEX dossier_payments_pending ON dossier_payments (created_at) WHERE status = 'pending';
