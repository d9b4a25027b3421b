-- act_month_counts (0002) are counted again from the activities by every
-- writer (recount). PostgreSQL runs writers side by side, and a writer
-- that counted before another committed would store a stale total over
-- the other's. Every statement that writes activities first takes this
-- transaction lock, before it locks any activity's row: writers of
-- activities take turns, and each counts what the others committed.
CREATE FUNCTION activities_counts_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7210003);
	RETURN NULL;
END $$;
CREATE TRIGGER activities_counts_lock BEFORE INSERT OR UPDATE OR DELETE ON activities
FOR EACH STATEMENT EXECUTE FUNCTION activities_counts_lock();
