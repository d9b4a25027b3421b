-- Volunteer-hours entries are corrected in place (guarded by version) and
-- deleted with a reason; a deleted entry's id stays here so a resent
-- form cannot bring it back.
ALTER TABLE wf_volunteer_hours ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE wf_volunteer_hours ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
CREATE TABLE wf_volunteer_hours_deletions (
	id TEXT PRIMARY KEY,
	volunteer_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	deleted_by TEXT NOT NULL DEFAULT '',
	deleted_at TEXT NOT NULL
);
