-- The database writes the saga log: storing an order, and every change of its step or status,
-- adds a log row in the same statement's transaction. A saga step is then one UPDATE, which
-- commits on its own, instead of a transaction of an UPDATE and an INSERT.
CREATE TRIGGER saga_log_stored AFTER INSERT ON orders
BEGIN
    INSERT INTO saga_log (id, order_id, step, outcome, detail, at)
    VALUES (lower(hex(randomblob(16))), NEW.id, NEW.step, 'stored', '', NEW.created_at);
END;

CREATE TRIGGER saga_log_changed AFTER UPDATE OF step, status ON orders
WHEN NEW.step <> OLD.step OR NEW.status <> OLD.status
BEGIN
    INSERT INTO saga_log (id, order_id, step, outcome, detail, at)
    VALUES (
        lower(hex(randomblob(16))),
        NEW.id,
        NEW.step,
        CASE WHEN NEW.status <> OLD.status THEN NEW.status ELSE 'advanced' END,
        CASE WHEN NEW.status_reason <> OLD.status_reason THEN NEW.status_reason ELSE '' END,
        NEW.updated_at
    );
END;
