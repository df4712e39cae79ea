-- A checked card: brand and last four digits only. `outcome` is what the simulated card network
-- will answer for it (approve, decline, insufficient_funds, processing_error_once); the number
-- and CVC are never stored.
CREATE TABLE payment_methods (
    id TEXT PRIMARY KEY,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    exp_month BIGINT NOT NULL,
    exp_year BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per idempotency key with a final outcome: captured, declined or refunded.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    payment_method_id TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    decline_code TEXT NOT NULL,
    receipt_email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    refunded_at BIGINT,
    refund_reason TEXT
);
CREATE INDEX payments_order ON payments (order_id);

-- Attempts that failed with a retryable processing error (they have no final outcome).
CREATE TABLE failed_attempts (
    idempotency_key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL
);
