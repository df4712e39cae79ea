-- Stock per product. available = on_hand - reserved; a reservation can never take reserved
-- above on_hand, so stock is never oversold.
CREATE TABLE stock (
    product_id TEXT PRIMARY KEY,
    on_hand BIGINT NOT NULL CHECK (on_hand >= 0),
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at BIGINT NOT NULL,
    CHECK (reserved <= on_hand)
);

-- Every change of stock that is not a sale: the seed and admin corrections. The sum of a
-- product's adjustments equals its on_hand plus what committed reservations took.
CREATE TABLE stock_adjustments (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX stock_adjustments_product ON stock_adjustments (product_id);

-- state: held, committed, released, expired or rejected.
CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reservations_state_expiry ON reservations (state, expires_at);

CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    product_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    short BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (reservation_id, product_id)
);
