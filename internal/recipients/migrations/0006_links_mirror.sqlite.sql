-- Category lists at province scale ("高风险的低保对象，全省"): two filters
-- that each keep a tenth of a million people. Checking one against the
-- other row by row costs ~20,000 random reads; instead each category link
-- mirrors the recipient columns lists filter and sort on, so such a list
-- is one ordered walk of a link index, never touching recipients rows.
-- The database keeps the mirror: links are filled from their recipient
-- when inserted, and changed with it. Code inserts only (recipient_id,
-- category). The visits module mirrors risk_tier the same way.
ALTER TABLE recipient_category_links ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE recipient_category_links ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE recipient_category_links ADD COLUMN status TEXT NOT NULL DEFAULT '';
UPDATE recipient_category_links SET (org_id, name, birth_date, status) =
	(SELECT r.org_id, r.name, r.birth_date, r.status FROM recipients r WHERE r.id = recipient_category_links.recipient_id);

CREATE TRIGGER recipient_category_links_fill AFTER INSERT ON recipient_category_links
BEGIN
	UPDATE recipient_category_links SET (org_id, name, birth_date, status) =
		(SELECT r.org_id, r.name, r.birth_date, r.status FROM recipients r WHERE r.id = NEW.recipient_id)
	WHERE recipient_id = NEW.recipient_id AND category = NEW.category;
END;

CREATE TRIGGER recipients_mirror_on_links AFTER UPDATE OF org_id, name, birth_date, status ON recipients
WHEN OLD.org_id IS NOT NEW.org_id OR OLD.name IS NOT NEW.name OR OLD.birth_date IS NOT NEW.birth_date OR OLD.status IS NOT NEW.status
BEGIN
	UPDATE recipient_category_links SET org_id = NEW.org_id, name = NEW.name, birth_date = NEW.birth_date, status = NEW.status
	WHERE recipient_id = NEW.id;
END;

-- Whole-scope lists walk the category in name order; a station or county
-- list reads its org nodes' ranges. Both carry every mirrored column so
-- the filters are checked in the index.
DROP INDEX recipient_category_links_category;
DROP INDEX recipient_category_links_scope;
CREATE INDEX recipient_category_links_name ON recipient_category_links (category, name, recipient_id, org_id, birth_date, status);
CREATE INDEX recipient_category_links_scope ON recipient_category_links (category, org_id, name, recipient_id, birth_date, status);
