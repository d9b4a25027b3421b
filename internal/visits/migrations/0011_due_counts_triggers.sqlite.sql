-- due_counts (0010) kept by every insert, delete and change of a
-- person's node, status, birth date or due date.
CREATE TRIGGER recipients_due_counts_insert AFTER INSERT ON recipients WHEN NEW.status = 'active'
BEGIN
	INSERT INTO due_counts (node_id, hidden, due, n)
	SELECT a.ancestor_id, CASE WHEN NEW.birth_date = '' OR NEW.birth_date > c.child_after THEN 1 ELSE 0 END, NEW.next_visit_due, 1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = NEW.org_id
	ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n;
END;

CREATE TRIGGER recipients_due_counts_delete AFTER DELETE ON recipients WHEN OLD.status = 'active'
BEGIN
	INSERT INTO due_counts (node_id, hidden, due, n)
	SELECT a.ancestor_id, CASE WHEN OLD.birth_date = '' OR OLD.birth_date > c.child_after THEN 1 ELSE 0 END, OLD.next_visit_due, -1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = OLD.org_id
	ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n;
END;

CREATE TRIGGER recipients_due_counts_update AFTER UPDATE OF org_id, status, birth_date, next_visit_due ON recipients
WHEN (OLD.status = 'active' OR NEW.status = 'active') AND (OLD.org_id IS NOT NEW.org_id OR OLD.status IS NOT NEW.status
	OR OLD.birth_date IS NOT NEW.birth_date OR OLD.next_visit_due IS NOT NEW.next_visit_due)
BEGIN
	INSERT INTO due_counts (node_id, hidden, due, n)
	SELECT a.ancestor_id, CASE WHEN OLD.birth_date = '' OR OLD.birth_date > c.child_after THEN 1 ELSE 0 END, OLD.next_visit_due, -1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = OLD.org_id AND OLD.status = 'active'
	ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n;
	INSERT INTO due_counts (node_id, hidden, due, n)
	SELECT a.ancestor_id, CASE WHEN NEW.birth_date = '' OR NEW.birth_date > c.child_after THEN 1 ELSE 0 END, NEW.next_visit_due, 1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = NEW.org_id AND NEW.status = 'active'
	ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n;
END;
