-- Exports that run in the background: one row per job, readable by its
-- owner only; the finished file is sealed in the data folder and both are
-- deleted when expires_at has passed (24 hours after the job was asked).
CREATE TABLE export_jobs (
	id TEXT PRIMARY KEY,                              -- UUIDv7
	owner_id TEXT NOT NULL REFERENCES users (id),     -- who asked; the only one who may download
	kind TEXT NOT NULL,                               -- registered kind: recipients, visits_due…
	params TEXT NOT NULL,                             -- JSON the kind reads (its filter)
	description TEXT NOT NULL DEFAULT '',             -- the filter described, for people and the audit log
	status TEXT NOT NULL,                             -- queued, running, done, failed
	rows_done BIGINT NOT NULL DEFAULT 0,
	rows_total BIGINT NOT NULL DEFAULT 0,             -- estimated by a count when asked
	file TEXT NOT NULL DEFAULT '',                    -- name in the exports folder of the data folder
	size BIGINT NOT NULL DEFAULT 0,                   -- bytes of the workbook (unsealed)
	summary TEXT NOT NULL DEFAULT '',                 -- the export's audit summary, recorded at each download
	entity TEXT NOT NULL DEFAULT '',                  -- the audit entity of the export
	org_path TEXT NOT NULL DEFAULT '',                -- the owner's scope when asked, for the audit entry
	message TEXT NOT NULL DEFAULT '',                 -- why a job failed
	created_at TEXT NOT NULL,
	finished_at TEXT NOT NULL DEFAULT '',
	expires_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX export_jobs_owner ON export_jobs (owner_id, created_at);
CREATE INDEX export_jobs_status ON export_jobs (status, created_at);
CREATE INDEX export_jobs_expires ON export_jobs (expires_at);
