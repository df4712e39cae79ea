-- status: what the customer sees (pending, rejected, payment_failed, confirmed, shipped,
-- delivered, cancelled). step: where the saga is (created, reserved, charged, committed,
-- shipped, done, cancelling); each step is persisted before the next call to another service.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL,
    step TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    items_total BIGINT NOT NULL,
    shipping_total BIGINT NOT NULL,
    total BIGINT NOT NULL,
    currency TEXT NOT NULL,
    shipping_option TEXT NOT NULL,
    name TEXT NOT NULL,
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL,
    city TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    country TEXT NOT NULL,
    payment_method_id TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user ON orders (user_id, created_at);
CREATE INDEX orders_open ON orders (status, step, next_attempt_at);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id),
    product_id TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    line_total BIGINT NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- Every step the saga took, and how it went.
CREATE TABLE saga_log (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    step TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX saga_log_order ON saga_log (order_id, at);
