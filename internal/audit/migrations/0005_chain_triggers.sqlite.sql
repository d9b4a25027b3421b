-- Still append-only, with two exceptions: the chainer fills the chain
-- columns of an entry not chained yet, and a chained entry older than 180
-- days may be removed (by `shegong audit archive`, after writing it to a
-- verified archive file).
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.hash = '' AND NEW.hash <> '' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id = OLD.actor_id
	AND NEW.actor_name = OLD.actor_name AND NEW.action = OLD.action AND NEW.entity = OLD.entity AND NEW.entity_id = OLD.entity_id
	AND NEW.org_path = OLD.org_path AND NEW.summary = OLD.summary AND NEW.changes = OLD.changes AND NEW.ip = OLD.ip
	AND NEW.user_agent = OLD.user_agent AND NEW.result = OLD.result)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.hash = '' OR OLD.at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-180 days')
BEGIN SELECT RAISE(ABORT, 'audit_log entries younger than 180 days cannot be removed'); END;
