-- Rollups kept in the writing transaction (by the triggers of 0021), so
-- home pages and figures read a few rows instead of counting a million
-- people: recipient_counts is the number of people per org node (every
-- ancestor of their node, org_ancestors), status and visibility class.
--
-- The visibility class is the children rule's (recipients.Hidden):
-- hidden = 1 for a person born after child_cutoff.child_after (a child
-- under ChildAge) or with no birth date. recipients.RollChildCutoff moves
-- the line every day and the people who crossed it. It starts at '', so
-- everyone starts hidden and the first roll, when the server starts,
-- moves the adults to their class.
CREATE TABLE child_cutoff (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	day TEXT NOT NULL,         -- the China date child_after was set for ('' before the first roll)
	child_after TEXT NOT NULL  -- YYYY-MM-DD: born after it, a child
);
INSERT INTO child_cutoff (id, day, child_after) VALUES (1, '', '');

-- The people who cross the line on a day are one range of it.
CREATE INDEX recipients_birth_date ON recipients (birth_date);

CREATE TABLE recipient_counts (
	node_id TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	status TEXT NOT NULL,
	hidden INTEGER NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (node_id, status, hidden)
);
INSERT INTO recipient_counts (node_id, status, hidden, n)
SELECT a.ancestor_id, t.status, t.hidden, SUM(t.n) FROM (
	SELECT r.org_id, r.status, CASE WHEN r.birth_date = '' OR r.birth_date > c.child_after THEN 1 ELSE 0 END AS hidden, COUNT(*) AS n
	FROM recipients r CROSS JOIN child_cutoff c GROUP BY r.org_id, r.status, 3
) t JOIN org_ancestors a ON a.org_id = t.org_id GROUP BY a.ancestor_id, t.status, t.hidden;
