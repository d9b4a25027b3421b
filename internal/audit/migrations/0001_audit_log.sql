CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,             -- UUIDv7: sorts by time
	at TEXT NOT NULL,                -- UTC stamp
	actor_id TEXT NOT NULL DEFAULT '',
	actor_name TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,            -- create, update, delete, login, reveal, export…
	entity TEXT NOT NULL DEFAULT '',
	entity_id TEXT NOT NULL DEFAULT '',
	org_path TEXT NOT NULL DEFAULT '', -- scope of the record, for scoped browsing
	summary TEXT NOT NULL DEFAULT '',
	changes TEXT NOT NULL DEFAULT '',  -- JSON [{"field","label","before","after"}]
	ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
