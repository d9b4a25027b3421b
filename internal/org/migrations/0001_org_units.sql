-- The organisation tree: platform → province → city → county (bureau)
-- → station (社工站) → room (社工室). Users' scope points at a node; a
-- node's path lists its ancestors' ids so "everything under X" is a
-- prefix match on an indexed column.
CREATE TABLE org_units (
	id TEXT PRIMARY KEY,
	parent_id TEXT REFERENCES org_units (id),
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	division_code TEXT NOT NULL DEFAULT '',
	path TEXT NOT NULL UNIQUE,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX org_units_parent ON org_units (parent_id);
CREATE INDEX org_units_division ON org_units (division_code);
