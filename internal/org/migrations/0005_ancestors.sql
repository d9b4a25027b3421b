-- Each node with itself and every node above it. Rollups kept per node
-- (recipient_counts, due_counts) add a record to all its ancestors with
-- one indexed insert. Units never move, so a node's rows never change.
CREATE TABLE org_ancestors (
	org_id TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	ancestor_id TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
	PRIMARY KEY (org_id, ancestor_id)
);
INSERT INTO org_ancestors (org_id, ancestor_id)
SELECT n.id, a.id FROM org_units n JOIN org_units a ON substr(n.path, 1, length(a.path)) = a.path;
