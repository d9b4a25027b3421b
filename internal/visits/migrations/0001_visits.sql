-- Screening visits (探访排查) and risk-tiered visit plans.
--
-- The visit plan lives on the recipient row, so the due and overdue lists
-- are one indexed range scan each, at a million recipients: the tier from
-- the latest assessment, the date of the latest visit and the date the
-- next one is due (China dates, computed by the county's visit rules).
ALTER TABLE recipients ADD COLUMN risk_tier TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN last_visit_on TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN next_visit_due TEXT NOT NULL DEFAULT '';
-- A station's overdue list walks its few org nodes (station + rooms) and,
-- per node, the due dates of the people in care (status active) in order;
-- a worker's list walks their own. Counts read only these index ranges.
CREATE INDEX recipients_org_next_visit ON recipients (org_id, status, next_visit_due);
CREATE INDEX recipients_worker_next_visit ON recipients (worker_id, status, next_visit_due);
-- The tier filter of the recipients list.
CREATE INDEX recipients_org_risk_tier ON recipients (org_id, risk_tier, name);

-- 探访排查 campaigns: a plan to visit everyone in a list of villages
-- within a date range; visits recorded one by one link to it.
CREATE TABLE visit_campaigns (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the station (or county) running it
	name TEXT NOT NULL,
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX visit_campaigns_org ON visit_campaigns (org_id, starts_on);

CREATE TABLE visit_campaign_villages (
	campaign_id TEXT NOT NULL REFERENCES visit_campaigns (id) ON DELETE CASCADE,
	village_code TEXT NOT NULL,
	PRIMARY KEY (campaign_id, village_code)
);

-- One visit. The id is a UUIDv7 the client may make itself, so a phone
-- that recorded offline can replay its queue without duplicates.
CREATE TABLE visits (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	recipient_id TEXT NOT NULL REFERENCES recipients (id),
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the recipient's node when visited: scope
	campaign_id TEXT REFERENCES visit_campaigns (id),
	visited_at TEXT NOT NULL,   -- instant (cst.Stamp)
	visit_date TEXT NOT NULL,   -- the China date of visited_at
	method TEXT NOT NULL,       -- home, phone, video, entrusted, paired, other
	findings_enc TEXT NOT NULL DEFAULT '', -- sealed: what was seen and said
	needs_enc TEXT NOT NULL DEFAULT '',    -- sealed: needs identified
	notes_enc TEXT NOT NULL DEFAULT '',    -- sealed JSON: a note per assessment dimension
	-- Assessment, each 1 (无问题) … 5 (危急); 0 = not assessed.
	score_living INTEGER NOT NULL DEFAULT 0,  -- 基本生活
	score_safety INTEGER NOT NULL DEFAULT 0,  -- 安全风险
	score_family INTEGER NOT NULL DEFAULT 0,  -- 家庭赡养/抚养
	score_care INTEGER NOT NULL DEFAULT 0,    -- 关爱服务
	risk_tier TEXT NOT NULL DEFAULT '',       -- high, focus, general; '' = not assessed
	follow_up TEXT NOT NULL DEFAULT 'none',   -- none, service, referral, case
	next_due TEXT NOT NULL DEFAULT '',        -- the due date this visit set (for the record)
	content_hash TEXT NOT NULL DEFAULT '',    -- of the submitted content: idempotent replay
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX visits_recipient ON visits (recipient_id, visit_date);
-- A station's list, newest first, and its counts by tier or method read
-- only this index (the page's rows are fetched after sorting).
CREATE INDEX visits_org_time ON visits (org_id, visited_at, risk_tier, method);
-- The same by tier ("the county's high-risk visits").
CREATE INDEX visits_org_tier ON visits (org_id, risk_tier, visited_at);
-- Newest first across a county or province: walk this and filter by scope.
CREATE INDEX visits_visited_at ON visits (visited_at);
CREATE INDEX visits_campaign ON visits (campaign_id);
CREATE INDEX visits_created_by ON visits (created_by, visit_date);

-- Who went: accounts (workers, volunteers with an account) or names
-- (volunteers and others without one).
CREATE TABLE visit_visitors (
	visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	user_id TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	PRIMARY KEY (visit_id, position)
);
CREATE INDEX visit_visitors_user ON visit_visitors (user_id);

-- County-configurable visit frequencies: per tier, and overrides per
-- recipient category. A recipient's rules are those of the nearest org
-- node above them that has any; with none, the defaults of domain.md §3.
CREATE TABLE visit_rules (
	org_id TEXT NOT NULL REFERENCES org_units (id),
	kind TEXT NOT NULL,      -- tier or category
	rule_key TEXT NOT NULL,  -- tier code or category code
	every_n INTEGER NOT NULL,
	unit TEXT NOT NULL,      -- day, week, month
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL,
	PRIMARY KEY (org_id, kind, rule_key)
);
