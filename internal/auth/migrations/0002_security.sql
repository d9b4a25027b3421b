-- Sessions get a public handle a user may see and end; the id (the
-- token's hash) never leaves the server.
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE sessions SET public_id = id;
CREATE INDEX sessions_public ON sessions (public_id);
CREATE INDEX sessions_user_created ON sessions (user_id, created_at);

-- Failed logins, shared by every app node and kept over a restart. One
-- row per failure; rows older than the lock-out window are swept.
CREATE TABLE login_failures (
	username TEXT NOT NULL,
	ip TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_at ON login_failures (at);

ALTER TABLE users ADD COLUMN locked_until TEXT NOT NULL DEFAULT '';
-- Set when the account was locked; the user is told at the next login.
ALTER TABLE users ADD COLUMN lock_notice TEXT NOT NULL DEFAULT '';
-- Demo accounts log in only while the server runs with --demo.
ALTER TABLE users ADD COLUMN is_demo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at TEXT NOT NULL DEFAULT '';
UPDATE users SET password_changed_at = updated_at;

-- Hashes of earlier passwords, so none of the last few is chosen again.
CREATE TABLE password_history (
	id TEXT PRIMARY KEY, -- UUIDv7: sorts by time
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	password_hash TEXT NOT NULL,
	changed_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);
