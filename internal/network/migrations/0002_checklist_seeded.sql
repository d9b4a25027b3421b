-- A county gets the default checklist once. The marker's primary key lets
-- two first views at the same moment (two transactions on PostgreSQL)
-- agree on who seeds it: the second finds the row and reads the items.
CREATE TABLE checklist_seeded (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	created_at TEXT NOT NULL
);
INSERT INTO checklist_seeded (org_id, created_at) SELECT org_id, MIN(created_at) FROM checklist_items GROUP BY org_id;
