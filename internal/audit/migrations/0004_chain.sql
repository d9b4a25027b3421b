-- Tamper evidence: each entry, once committed, is chained to the one
-- before it by a background chainer (seq is the chain's order, hash =
-- SHA-256 over prev_hash and the entry). Writers never wait for it.
ALTER TABLE audit_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_unchained ON audit_log (hash, id);
CREATE INDEX audit_log_seq ON audit_log (seq);

-- The head of the chain (one row), and where archiving cut it off: the
-- first entry left must link to archived_hash.
CREATE TABLE audit_chain (
	id INTEGER PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	archived_seq BIGINT NOT NULL,
	archived_hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, hash, archived_seq, archived_hash) VALUES (1, 0, '', 0, '');
