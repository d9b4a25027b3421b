-- The service network's details. Stations (社工站) and rooms (社工室) are
-- nodes of org_units (so users' scope can point at them); these tables
-- add what only they have, keyed by the node's id.

-- Social work service organisations (社工机构) registered in a county.
-- org_id is the county node whose registry they belong to (the scope).
CREATE TABLE service_orgs (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	credit_code TEXT NOT NULL UNIQUE,      -- 统一社会信用代码, normalised
	registered_on TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD
	contact_name TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '', -- the organisation's office phone
	incubated_by TEXT NOT NULL DEFAULT '',  -- e.g. 县社会工作服务中心孵化基地
	status TEXT NOT NULL DEFAULT 'active',  -- active, suspended, deregistered
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX service_orgs_org ON service_orgs (org_id);

-- One station per township: the township code is unique across the
-- country, so the index also refuses a second station elsewhere.
CREATE TABLE stations (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	township_code TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	opened_on TEXT NOT NULL DEFAULT '',
	head_name TEXT NOT NULL DEFAULT '',
	operator_id TEXT REFERENCES service_orgs (id),
	-- Copied from the latest assessment (by date) so lists sort and
	-- filter on them without a subquery.
	demonstration INTEGER NOT NULL DEFAULT 0, -- 标准化示范站
	last_assessed_on TEXT NOT NULL DEFAULT '',
	last_score INTEGER NOT NULL DEFAULT 0,
	last_max_score INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stations_operator ON stations (operator_id);

-- One room per village (12-digit code).
CREATE TABLE rooms (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	station_id TEXT NOT NULL REFERENCES stations (org_id),
	village_code TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	opened_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rooms_station ON rooms (station_id);

-- The standardisation checklist of a county (org_id = county node).
-- Items are retired (active = 0), never deleted, so old assessments keep
-- their meaning.
CREATE TABLE checklist_items (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	position INTEGER NOT NULL,
	category TEXT NOT NULL,
	title TEXT NOT NULL,
	guidance TEXT NOT NULL DEFAULT '',
	max_score INTEGER NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX checklist_items_org ON checklist_items (org_id, position);

-- Dated assessments of a station; never changed afterwards (history).
CREATE TABLE assessments (
	id TEXT PRIMARY KEY,
	station_id TEXT NOT NULL REFERENCES stations (org_id),
	assessed_on TEXT NOT NULL,
	assessors TEXT NOT NULL,
	methods TEXT NOT NULL DEFAULT '',  -- comma-separated: 听取汇报,查阅档案,实地查看,访谈
	total_score INTEGER NOT NULL,
	max_score INTEGER NOT NULL,
	demonstration INTEGER NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX assessments_station ON assessments (station_id, assessed_on);

-- Item scores, with the item's wording and maximum as they were then.
CREATE TABLE assessment_scores (
	assessment_id TEXT NOT NULL REFERENCES assessments (id),
	item_id TEXT NOT NULL REFERENCES checklist_items (id),
	position INTEGER NOT NULL,
	category TEXT NOT NULL,
	title TEXT NOT NULL,
	max_score INTEGER NOT NULL,
	score INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (assessment_id, item_id)
);
