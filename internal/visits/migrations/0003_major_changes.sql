-- 重大变化: something happened to a person (hospitalised, a carer died, a
-- disaster…) and, by the published rule (domain.md §3), they must be
-- visited within 24 hours. Each report stays open until a visit made at
-- or after it answers it; while open, the person's next visit is due by
-- the next day.
CREATE TABLE visit_major_changes (
	id TEXT PRIMARY KEY,                -- UUIDv7, may be made by the client
	version INTEGER NOT NULL DEFAULT 1,
	recipient_id TEXT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	kind TEXT NOT NULL,                 -- hospital, bereavement, carer, accident, income, other
	note_enc TEXT NOT NULL DEFAULT '',  -- may name an illness: sealed
	reported_at TEXT NOT NULL,          -- UTC stamp
	due_on TEXT NOT NULL,               -- China date the visit is due by
	visit_id TEXT REFERENCES visits (id) ON DELETE SET NULL, -- the visit that answered it
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX visit_major_changes_recipient ON visit_major_changes (recipient_id, visit_id);
