-- The risk tier is mirrored on the category links like the recipients
-- module's columns (recipients migration 0006), so "高风险 + 类别" lists
-- are one walk of a link index. The link indexes gain it as their last
-- column.
ALTER TABLE recipient_category_links ADD COLUMN risk_tier TEXT NOT NULL DEFAULT '';
UPDATE recipient_category_links SET risk_tier = (SELECT r.risk_tier FROM recipients r WHERE r.id = recipient_category_links.recipient_id);

CREATE TRIGGER recipient_category_links_fill_tier AFTER INSERT ON recipient_category_links
BEGIN
	UPDATE recipient_category_links SET risk_tier = (SELECT r.risk_tier FROM recipients r WHERE r.id = NEW.recipient_id)
	WHERE recipient_id = NEW.recipient_id AND category = NEW.category;
END;

CREATE TRIGGER recipients_mirror_tier_on_links AFTER UPDATE OF risk_tier ON recipients
WHEN OLD.risk_tier IS NOT NEW.risk_tier
BEGIN
	UPDATE recipient_category_links SET risk_tier = NEW.risk_tier WHERE recipient_id = NEW.id;
END;

DROP INDEX recipient_category_links_name;
DROP INDEX recipient_category_links_scope;
CREATE INDEX recipient_category_links_name ON recipient_category_links (category, name, recipient_id, org_id, birth_date, status, risk_tier);
CREATE INDEX recipient_category_links_scope ON recipient_category_links (category, org_id, name, recipient_id, birth_date, status, risk_tier);
