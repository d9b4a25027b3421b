-- due_counts (0010) kept by every insert, delete and change of a
-- person's node, status, birth date or due date.
-- One function adds a row's part (sign 1 or -1) to its node's ancestors.
CREATE FUNCTION due_counts_add(p_org TEXT, p_birth TEXT, p_due TEXT, p_sign BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO due_counts (node_id, hidden, due, n)
	SELECT a.ancestor_id, CASE WHEN p_birth = '' OR p_birth > c.child_after THEN 1 ELSE 0 END, p_due, p_sign
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = p_org
	ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n;
$$;

CREATE FUNCTION recipients_due_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210001); -- recipients.RollupLock
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'active' THEN
		PERFORM due_counts_add(OLD.org_id, OLD.birth_date, OLD.next_visit_due, -1);
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'active' THEN
		PERFORM due_counts_add(NEW.org_id, NEW.birth_date, NEW.next_visit_due, 1);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER recipients_due_counts_insert AFTER INSERT OR DELETE ON recipients
FOR EACH ROW EXECUTE FUNCTION recipients_due_counts();
CREATE TRIGGER recipients_due_counts_update AFTER UPDATE OF org_id, status, birth_date, next_visit_due ON recipients
FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.status IS DISTINCT FROM NEW.status
	OR OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.next_visit_due IS DISTINCT FROM NEW.next_visit_due)
EXECUTE FUNCTION recipients_due_counts();
