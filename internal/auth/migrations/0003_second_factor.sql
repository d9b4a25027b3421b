-- Two factors (TOTP, RFC 6238). The secret is sealed like personal data;
-- it is set on starting enrolment and counts only once enabled.
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
-- The last time step accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- One-time recovery codes, stored as SHA-256 hashes (they are random and
-- long, so a plain hash suffices).
CREATE TABLE recovery_codes (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
