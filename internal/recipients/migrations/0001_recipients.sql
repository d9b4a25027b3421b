-- 服务对象 (service recipients), their households and the county's list of
-- recipient categories. Personal data (ID number, phones, addresses,
-- health notes) is stored only sealed (*_enc) with masked copies for
-- lists and keyed hashes (*_index) for exact search; no column ever holds
-- a plaintext ID number.

-- Categories are configured per county (the org node of kind county);
-- defaults from domain.md §3 are seeded the first time a county needs them.
CREATE TABLE recipient_categories (
	id TEXT PRIMARY KEY,
	county_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	grp TEXT NOT NULL DEFAULT '',      -- 一老 / 一小 / 一残 / 一困: for summaries
	sort INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	UNIQUE (county_id, name)
);

-- A household groups recipients living together; each member row in
-- recipients carries its relation to the household head.
CREATE TABLE households (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX households_org ON households (org_id, name);

CREATE TABLE recipients (
	id TEXT PRIMARY KEY,                   -- UUIDv7, may be made by the client
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- station or room responsible
	name TEXT NOT NULL,
	name_initials TEXT NOT NULL DEFAULT '', -- pinyin initials, lower case: "zs" for 张三
	sex TEXT NOT NULL DEFAULT '',           -- 男 / 女
	birth_date TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD
	id_enc TEXT NOT NULL DEFAULT '',        -- ID number, sealed
	id_index TEXT NOT NULL DEFAULT '',      -- blind index of the ID number
	id_masked TEXT NOT NULL DEFAULT '',     -- first 6 + last 4
	ethnicity TEXT NOT NULL DEFAULT '',
	phone_enc TEXT NOT NULL DEFAULT '',
	phone_index TEXT NOT NULL DEFAULT '',
	phone_masked TEXT NOT NULL DEFAULT '',
	hukou_address_enc TEXT NOT NULL DEFAULT '',   -- 户籍地址
	hukou_address_masked TEXT NOT NULL DEFAULT '',
	current_address_enc TEXT NOT NULL DEFAULT '', -- 现住址
	current_address_masked TEXT NOT NULL DEFAULT '',
	village_code TEXT NOT NULL DEFAULT '',  -- 12-digit statistical village code
	living_situation TEXT NOT NULL DEFAULT '',
	guardian_name TEXT NOT NULL DEFAULT '',
	guardian_relation TEXT NOT NULL DEFAULT '',
	guardian_phone_enc TEXT NOT NULL DEFAULT '',
	guardian_phone_masked TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '',    -- names joined by "、" for display; recipient_category_links for search
	disability_type TEXT NOT NULL DEFAULT '',
	disability_grade TEXT NOT NULL DEFAULT '',
	health_notes_enc TEXT NOT NULL DEFAULT '',
	income_source TEXT NOT NULL DEFAULT '',
	worker_id TEXT NOT NULL DEFAULT '',     -- assigned worker (users.id) or ''
	status TEXT NOT NULL DEFAULT 'active',  -- active, suspended, moved, deceased, closed
	status_reason TEXT NOT NULL DEFAULT '',
	status_date TEXT NOT NULL DEFAULT '',
	household_id TEXT REFERENCES households (id),
	household_relation TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- Search paths sized for a million rows: each list filter has an index
-- that also yields the default order (name), so the first page reads a
-- few index entries instead of sorting.
CREATE INDEX recipients_name ON recipients (name, id);
CREATE INDEX recipients_initials ON recipients (name_initials, name);
-- One ID number is registered once, ever: the database enforces it.
CREATE UNIQUE INDEX recipients_id_index ON recipients (id_index) WHERE id_index <> '';
CREATE INDEX recipients_phone_index ON recipients (phone_index) WHERE phone_index <> '';
CREATE INDEX recipients_org ON recipients (org_id, status, name);
CREATE INDEX recipients_village ON recipients (village_code, name);
CREATE INDEX recipients_worker ON recipients (worker_id, status, name);
CREATE INDEX recipients_status ON recipients (status, name);
CREATE INDEX recipients_household ON recipients (household_id);

CREATE TABLE recipient_category_links (
	recipient_id TEXT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
	category TEXT NOT NULL,
	PRIMARY KEY (recipient_id, category)
);
CREATE INDEX recipient_category_links_category ON recipient_category_links (category, recipient_id);
