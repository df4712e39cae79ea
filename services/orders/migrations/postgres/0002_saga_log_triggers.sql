-- The database writes the saga log: storing an order, and every change of its step or status,
-- adds a log row in the same statement's transaction. A saga step is then one UPDATE, which
-- commits on its own, instead of a transaction of an UPDATE and an INSERT.
CREATE FUNCTION saga_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO saga_log (id, order_id, step, outcome, detail, at)
        VALUES (replace(gen_random_uuid()::text, '-', ''), NEW.id, NEW.step, 'stored', '', NEW.created_at);
    ELSIF NEW.step <> OLD.step OR NEW.status <> OLD.status THEN
        INSERT INTO saga_log (id, order_id, step, outcome, detail, at)
        VALUES (
            replace(gen_random_uuid()::text, '-', ''),
            NEW.id,
            NEW.step,
            CASE WHEN NEW.status <> OLD.status THEN NEW.status ELSE 'advanced' END,
            CASE WHEN NEW.status_reason <> OLD.status_reason THEN NEW.status_reason ELSE '' END,
            NEW.updated_at
        );
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER saga_log_write AFTER INSERT OR UPDATE OF step, status ON orders
FOR EACH ROW EXECUTE FUNCTION saga_log_write();
