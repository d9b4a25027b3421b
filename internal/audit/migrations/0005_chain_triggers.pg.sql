-- Still append-only, with two exceptions: the chainer fills the chain
-- columns of an entry not chained yet, and a chained entry older than 180
-- days may be removed (by `shegong audit archive`, after writing it to a
-- verified archive file).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.hash = '' AND NEW.hash <> '' AND
		(NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.action, NEW.entity, NEW.entity_id, NEW.org_path, NEW.summary, NEW.changes, NEW.ip, NEW.user_agent, NEW.result)
		IS NOT DISTINCT FROM
		(OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.action, OLD.entity, OLD.entity_id, OLD.org_path, OLD.summary, OLD.changes, OLD.ip, OLD.user_agent, OLD.result) THEN
		RETURN NEW;
	END IF;
	IF TG_OP = 'DELETE' AND OLD.hash <> '' AND
		OLD.at < to_char((now() AT TIME ZONE 'UTC') - interval '180 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit_log is append-only; entries younger than 180 days cannot be removed';
END $$;
