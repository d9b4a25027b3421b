-- The security policy as the security administrator last saved it (one
-- row, JSON). Until then the settings given at start (flags) apply.
CREATE TABLE security_policy (
	id INTEGER PRIMARY KEY,
	body TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	version INTEGER NOT NULL
);
