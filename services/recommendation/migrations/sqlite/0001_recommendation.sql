-- How many confirmed orders held both products (stored in both directions).
CREATE TABLE co_purchases (
    product_id TEXT NOT NULL,
    other_id TEXT NOT NULL,
    orders BIGINT NOT NULL,
    PRIMARY KEY (product_id, other_id)
);
