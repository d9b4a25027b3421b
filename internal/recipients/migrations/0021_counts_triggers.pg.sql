-- recipient_counts (0020) kept by every insert, delete and change of a
-- person's node, status or birth date.
--
-- On PostgreSQL writers run side by side. Every statement that writes
-- people first takes the transaction lock recipients.RollupLock
-- (7210001), before it locks any person's row: a writer that holds it
-- never waits on a person another writer has locked while waiting for
-- it (a deadlock), two writers never update the same count rows in
-- opposite orders, and a roll of the children line (which takes it too)
-- never runs between a writer reading the line and its commit. Writers
-- of people already queued on the root's count rows; the lock adds no
-- waiting of its own. The row triggers take it again (a no-op) so they
-- hold on their own. One function adds a row's part (sign 1 or -1) to
-- its node's ancestors.
CREATE FUNCTION recipient_counts_add(p_org TEXT, p_status TEXT, p_birth TEXT, p_sign BIGINT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO recipient_counts (node_id, status, hidden, n)
	SELECT a.ancestor_id, p_status, CASE WHEN p_birth = '' OR p_birth > c.child_after THEN 1 ELSE 0 END, p_sign
	FROM org_ancestors a CROSS JOIN child_cutoff c WHERE a.org_id = p_org
	ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n;
$$;

CREATE FUNCTION recipients_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210001); -- recipients.RollupLock
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM recipient_counts_add(OLD.org_id, OLD.status, OLD.birth_date, -1);
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		PERFORM recipient_counts_add(NEW.org_id, NEW.status, NEW.birth_date, 1);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER recipients_counts_insert AFTER INSERT OR DELETE ON recipients
FOR EACH ROW EXECUTE FUNCTION recipients_counts();
CREATE TRIGGER recipients_counts_update AFTER UPDATE OF org_id, status, birth_date ON recipients
FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.birth_date IS DISTINCT FROM NEW.birth_date)
EXECUTE FUNCTION recipients_counts();

CREATE FUNCTION recipients_rollup_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210001); -- recipients.RollupLock
	RETURN NULL;
END $$;
CREATE TRIGGER recipients_rollup_lock BEFORE INSERT OR UPDATE OR DELETE ON recipients
FOR EACH STATEMENT EXECUTE FUNCTION recipients_rollup_lock();
