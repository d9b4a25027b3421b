-- recipient_counts (0020) kept by every insert, delete and change of a
-- person's node, status or birth date.
CREATE TRIGGER recipients_counts_insert AFTER INSERT ON recipients
BEGIN
	INSERT INTO recipient_counts (node_id, status, hidden, n)
	SELECT a.ancestor_id, NEW.status, CASE WHEN NEW.birth_date = '' OR NEW.birth_date > c.child_after THEN 1 ELSE 0 END, 1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = NEW.org_id
	ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n;
END;

CREATE TRIGGER recipients_counts_delete AFTER DELETE ON recipients
BEGIN
	INSERT INTO recipient_counts (node_id, status, hidden, n)
	SELECT a.ancestor_id, OLD.status, CASE WHEN OLD.birth_date = '' OR OLD.birth_date > c.child_after THEN 1 ELSE 0 END, -1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = OLD.org_id
	ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n;
END;

CREATE TRIGGER recipients_counts_update AFTER UPDATE OF org_id, status, birth_date ON recipients
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.status IS NOT NEW.status OR OLD.birth_date IS NOT NEW.birth_date
BEGIN
	INSERT INTO recipient_counts (node_id, status, hidden, n)
	SELECT a.ancestor_id, OLD.status, CASE WHEN OLD.birth_date = '' OR OLD.birth_date > c.child_after THEN 1 ELSE 0 END, -1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = OLD.org_id
	ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n;
	INSERT INTO recipient_counts (node_id, status, hidden, n)
	SELECT a.ancestor_id, NEW.status, CASE WHEN NEW.birth_date = '' OR NEW.birth_date > c.child_after THEN 1 ELSE 0 END, 1
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = NEW.org_id
	ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n;
END;
