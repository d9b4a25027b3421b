-- A rollup kept in the writing transaction (by the triggers of 0011): the
-- number of people in care (status active) per org node (every ancestor
-- of their node, org_ancestors), visibility class (as recipient_counts:
-- hidden = 1 for a child or no birth date, by child_cutoff) and next
-- visit due date ('' = never visited). The due figures are sums over a
-- range of due dates read against today (WindowCond), so the rollup
-- needs no change at midnight; recipients.RollChildCutoff moves the
-- people who cross the children line (OnChildCutoff in this module).
CREATE TABLE due_counts (
	node_id TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	hidden INTEGER NOT NULL,
	due TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (node_id, hidden, due)
);
INSERT INTO due_counts (node_id, hidden, due, n)
SELECT a.ancestor_id, t.hidden, t.due, SUM(t.n) FROM (
	SELECT r.org_id, CASE WHEN r.birth_date = '' OR r.birth_date > c.child_after THEN 1 ELSE 0 END AS hidden, r.next_visit_due AS due, COUNT(*) AS n
	FROM recipients r CROSS JOIN child_cutoff c WHERE r.status = 'active' GROUP BY r.org_id, 2, r.next_visit_due
) t JOIN org_ancestors a ON a.org_id = t.org_id GROUP BY a.ancestor_id, t.hidden, t.due;
