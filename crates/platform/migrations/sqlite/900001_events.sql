-- Platform tables present in every service database: the transactional outbox, the inbox that
-- de-duplicates consumed events, and events parked after too many failed attempts.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    envelope BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    parked BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (published_at, parked, next_attempt_at);

CREATE TABLE inbox (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE parked_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    envelope BLOB NOT NULL,
    error TEXT NOT NULL,
    parked_at BIGINT NOT NULL
);
