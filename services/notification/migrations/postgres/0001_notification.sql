-- Every message, one per event that caused it. transport: mailbox (kept here, shown in the
-- dev mailbox) or smtp; status: stored (mailbox), pending, sent or failed (smtp).
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    kind TEXT NOT NULL,
    transport TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX messages_recipient ON messages (recipient, created_at);
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_pending ON messages (status, next_attempt_at);
