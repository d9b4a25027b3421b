-- A category list ("all 低保对象 of this county") starts from the links:
-- with each link carrying its recipient's org node, the index yields just
-- the holders inside the scope instead of probing every person in it.
ALTER TABLE recipient_category_links ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
UPDATE recipient_category_links SET org_id = (SELECT r.org_id FROM recipients r WHERE r.id = recipient_category_links.recipient_id);
CREATE INDEX recipient_category_links_scope ON recipient_category_links (category, org_id, recipient_id);
