-- The risk tier is mirrored on the category links like the recipients
-- module's columns (recipients migration 0006), so "高风险 + 类别" lists
-- are one walk of a link index. The link indexes gain it as their last
-- column.
ALTER TABLE recipient_category_links ADD COLUMN risk_tier TEXT NOT NULL DEFAULT '';
UPDATE recipient_category_links l SET risk_tier = r.risk_tier FROM recipients r WHERE r.id = l.recipient_id;

CREATE FUNCTION recipient_category_links_fill_tier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	SELECT r.risk_tier INTO NEW.risk_tier FROM recipients r WHERE r.id = NEW.recipient_id;
	RETURN NEW;
END $$;
CREATE TRIGGER recipient_category_links_fill_tier BEFORE INSERT ON recipient_category_links
FOR EACH ROW EXECUTE FUNCTION recipient_category_links_fill_tier();

CREATE FUNCTION recipients_mirror_tier_on_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE recipient_category_links SET risk_tier = NEW.risk_tier WHERE recipient_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER recipients_mirror_tier_on_links AFTER UPDATE OF risk_tier ON recipients
FOR EACH ROW WHEN (OLD.risk_tier IS DISTINCT FROM NEW.risk_tier)
EXECUTE FUNCTION recipients_mirror_tier_on_links();

DROP INDEX recipient_category_links_name;
DROP INDEX recipient_category_links_scope;
CREATE INDEX recipient_category_links_name ON recipient_category_links (category, name, recipient_id, org_id, birth_date, status, risk_tier);
CREATE INDEX recipient_category_links_scope ON recipient_category_links (category, org_id, name, recipient_id, birth_date, status, risk_tier);
