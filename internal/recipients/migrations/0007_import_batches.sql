-- Roster uploads (服务对象名册导入) kept between the check and the import,
-- for the user who uploaded them. The file and the rejected rows hold ID
-- numbers and phones: both are sealed. Kept for 24 hours.
CREATE TABLE recipient_import_batches (
	id TEXT PRIMARY KEY,
	actor_id TEXT NOT NULL,
	org_path TEXT NOT NULL,
	filename TEXT NOT NULL,
	mode TEXT NOT NULL,
	content TEXT NOT NULL,                 -- the .xlsx, sealed; emptied once committed
	created_at TEXT NOT NULL,
	committed_at TEXT NOT NULL DEFAULT '',
	imported INTEGER NOT NULL DEFAULT 0,
	rejected TEXT NOT NULL DEFAULT ''      -- sealed JSON of the rows left out when committed
);
CREATE INDEX recipient_import_batches_created ON recipient_import_batches (created_at);
