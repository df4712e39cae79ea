-- A cart belongs to an owner: 'user:<user id>' or 'anon:<anonymous cart id>'.
CREATE TABLE cart_lines (
    owner TEXT NOT NULL,
    product_id TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    added_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (owner, product_id)
);
