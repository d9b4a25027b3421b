-- org_ancestors (0005) for every unit created.
CREATE FUNCTION org_units_ancestors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO org_ancestors (org_id, ancestor_id)
	SELECT NEW.id, a.id FROM org_units a WHERE substr(NEW.path, 1, length(a.path)) = a.path;
	RETURN NULL;
END $$;
CREATE TRIGGER org_units_ancestors AFTER INSERT ON org_units
FOR EACH ROW EXECUTE FUNCTION org_units_ancestors();
