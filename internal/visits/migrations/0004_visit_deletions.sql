-- A deleted visit leaves its id here, so a phone replaying an old queue
-- cannot bring the visit back, and the reason stays with the id.
CREATE TABLE visit_deletions (
	id TEXT PRIMARY KEY,
	recipient_id TEXT NOT NULL,
	org_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	deleted_by TEXT NOT NULL DEFAULT '',
	deleted_at TEXT NOT NULL
);
