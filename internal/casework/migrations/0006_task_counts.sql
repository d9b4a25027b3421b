-- A rollup kept in the writing transaction (by the triggers of 0007):
-- the open case tasks (done_on = '') per org node (every ancestor of the
-- task's node, org_ancestors) and due date. The overdue figure and the
-- home page's 逾期任务 are a sum over the due dates before today, so the
-- rollup needs no change at midnight.
CREATE TABLE task_counts (
	node_id TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	due TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (node_id, due)
);
INSERT INTO task_counts (node_id, due, n)
SELECT a.ancestor_id, t.due_on, SUM(t.n) FROM (
	SELECT org_id, due_on, COUNT(*) AS n FROM case_tasks WHERE done_on = '' GROUP BY org_id, due_on
) t JOIN org_ancestors a ON a.org_id = t.org_id GROUP BY a.ancestor_id, t.due_on;
