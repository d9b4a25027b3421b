-- task_counts (0006) kept by every insert, delete and change of an open
-- task's node, due date or completion. On PostgreSQL every statement
-- that writes tasks first takes a transaction lock (7210002), before it
-- locks any task's row, so two transactions never update the count rows
-- in opposite orders, nor wait each on a task the other has locked (a
-- deadlock).
CREATE FUNCTION task_counts_add(p_org TEXT, p_due TEXT, p_sign BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO task_counts (node_id, due, n)
	SELECT a.ancestor_id, p_due, p_sign FROM org_ancestors a WHERE a.org_id = p_org
	ON CONFLICT (node_id, due) DO UPDATE SET n = task_counts.n + excluded.n;
$$;

CREATE FUNCTION case_tasks_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210002); -- one writer of task_counts at a time
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.done_on = '' THEN
		PERFORM task_counts_add(OLD.org_id, OLD.due_on, -1);
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.done_on = '' THEN
		PERFORM task_counts_add(NEW.org_id, NEW.due_on, 1);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER case_tasks_counts_insert AFTER INSERT OR DELETE ON case_tasks
FOR EACH ROW EXECUTE FUNCTION case_tasks_counts();
CREATE TRIGGER case_tasks_counts_update AFTER UPDATE OF org_id, due_on, done_on ON case_tasks
FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.due_on IS DISTINCT FROM NEW.due_on OR OLD.done_on IS DISTINCT FROM NEW.done_on)
EXECUTE FUNCTION case_tasks_counts();

CREATE FUNCTION case_tasks_rollup_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210002);
	RETURN NULL;
END $$;
CREATE TRIGGER case_tasks_rollup_lock BEFORE INSERT OR UPDATE OR DELETE ON case_tasks
FOR EACH STATEMENT EXECUTE FUNCTION case_tasks_rollup_lock();
