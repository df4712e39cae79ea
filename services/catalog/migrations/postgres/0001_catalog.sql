CREATE TABLE categories (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position BIGINT NOT NULL
);

-- name_lower and description_lower are lower-cased in the application (portable, Unicode-aware)
-- and back search and sorting by name.
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    description TEXT NOT NULL,
    description_lower TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES categories (slug),
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    currency TEXT NOT NULL,
    attributes TEXT NOT NULL,
    featured BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX products_category_name ON products (category, name_lower);
CREATE INDEX products_featured ON products (featured, name_lower);

CREATE TABLE product_images (
    product_id TEXT PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data BYTEA NOT NULL,
    etag TEXT NOT NULL
);
