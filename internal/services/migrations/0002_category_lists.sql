-- A county's list of content categories is saved whole against the
-- version the page was drawn from (services.SetCategories), so two
-- administrators editing at once cannot silently overwrite each other.
CREATE TABLE service_category_lists (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	version INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO service_category_lists (org_id, version, updated_at) SELECT DISTINCT org_id, 1, '' FROM service_categories;
