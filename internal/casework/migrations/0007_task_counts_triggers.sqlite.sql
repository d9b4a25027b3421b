-- task_counts (0006) kept by every insert, delete and change of an open
-- task's node, due date or completion.
CREATE TRIGGER case_tasks_counts_insert AFTER INSERT ON case_tasks WHEN NEW.done_on = ''
BEGIN
	INSERT INTO task_counts (node_id, due, n)
	SELECT a.ancestor_id, NEW.due_on, 1 FROM org_ancestors a WHERE a.org_id = NEW.org_id
	ON CONFLICT (node_id, due) DO UPDATE SET n = task_counts.n + excluded.n;
END;

CREATE TRIGGER case_tasks_counts_delete AFTER DELETE ON case_tasks WHEN OLD.done_on = ''
BEGIN
	INSERT INTO task_counts (node_id, due, n)
	SELECT a.ancestor_id, OLD.due_on, -1 FROM org_ancestors a WHERE a.org_id = OLD.org_id
	ON CONFLICT (node_id, due) DO UPDATE SET n = task_counts.n + excluded.n;
END;

CREATE TRIGGER case_tasks_counts_update AFTER UPDATE OF org_id, due_on, done_on ON case_tasks
WHEN (OLD.done_on = '' OR NEW.done_on = '') AND (OLD.org_id IS NOT NEW.org_id OR OLD.due_on IS NOT NEW.due_on OR OLD.done_on IS NOT NEW.done_on)
BEGIN
	INSERT INTO task_counts (node_id, due, n)
	SELECT a.ancestor_id, OLD.due_on, -1 FROM org_ancestors a WHERE a.org_id = OLD.org_id AND OLD.done_on = ''
	ON CONFLICT (node_id, due) DO UPDATE SET n = task_counts.n + excluded.n;
	INSERT INTO task_counts (node_id, due, n)
	SELECT a.ancestor_id, NEW.due_on, 1 FROM org_ancestors a WHERE a.org_id = NEW.org_id AND NEW.done_on = ''
	ON CONFLICT (node_id, due) DO UPDATE SET n = task_counts.n + excluded.n;
END;
