-- The last successful and the last failed backup (outcome 'ok' / 'failed'),
-- shown to administrators: a schedule that silently stopped is found
-- before the day a restore is needed.
CREATE TABLE backup_status (
	outcome TEXT PRIMARY KEY,
	at TEXT NOT NULL,
	file TEXT NOT NULL DEFAULT '',
	size BIGINT NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT ''
);
