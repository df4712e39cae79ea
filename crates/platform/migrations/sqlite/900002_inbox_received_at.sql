-- Housekeeping forgets inbox entries older than two weeks; without this index that delete read
-- the whole inbox while holding the writer.
CREATE INDEX inbox_received_at ON inbox (received_at);
