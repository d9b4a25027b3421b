-- Uploaded files (photos of assessments, visits, activities). The bytes
-- live in the data folder; the row says whose they are and which
-- organisation they belong to, for the scope check on every download.
CREATE TABLE attachments (
	id TEXT PRIMARY KEY,
	owner_entity TEXT NOT NULL,
	owner_id TEXT NOT NULL,
	org_path TEXT NOT NULL,
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	storage_path TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX attachments_owner ON attachments (owner_entity, owner_id);
