CREATE TABLE users (
	id TEXT PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	phone_enc TEXT NOT NULL DEFAULT '',   -- sealed (secure package)
	phone_index TEXT NOT NULL DEFAULT '', -- blind index for exact search
	role TEXT NOT NULL,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	password_hash TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	must_change_password INTEGER NOT NULL DEFAULT 0,
	last_login_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users (org_id);
CREATE INDEX users_phone_index ON users (phone_index);

-- Sessions live on the server; the cookie or bearer token holds a random
-- secret whose SHA-256 is the id, so a stolen database yields no tokens.
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,           -- web or api
	csrf_token TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
