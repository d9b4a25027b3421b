-- The monthly theme calendar (月月有主题): a theme per org node and
-- month. A station's own theme wins over its county's county-wide one.
CREATE TABLE act_themes (
	org_id TEXT NOT NULL REFERENCES org_units (id),
	month TEXT NOT NULL,              -- YYYY-MM (China)
	theme TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL,
	PRIMARY KEY (org_id, month)
);

-- Community activities and policy publicity (社区活动 · 政策宣讲):
-- planned → held → archived, or cancelled / postponed with a reason.
-- The month columns repeat the dates' months so the calendar and the
-- county's station × month grid read one index range each.
CREATE TABLE activities (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the station (or room) that runs it: scope
	title TEXT NOT NULL,
	theme TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,                 -- activity, publicity, clinic, festival, training, other
	target TEXT NOT NULL DEFAULT '',    -- target group
	status TEXT NOT NULL,               -- planned, postponed, held, archived, cancelled
	reason TEXT NOT NULL DEFAULT '',    -- why cancelled or postponed
	planned_on TEXT NOT NULL,           -- YYYY-MM-DD
	planned_month TEXT NOT NULL,        -- YYYY-MM of planned_on
	postponed_from TEXT NOT NULL DEFAULT '',
	start_time TEXT NOT NULL DEFAULT '', -- HH:MM
	end_time TEXT NOT NULL DEFAULT '',
	place TEXT NOT NULL DEFAULT '',
	village_code TEXT NOT NULL DEFAULT '',
	held_on TEXT NOT NULL DEFAULT '',
	held_month TEXT NOT NULL DEFAULT '',
	male INTEGER NOT NULL DEFAULT 0,
	female INTEGER NOT NULL DEFAULT 0,
	children INTEGER NOT NULL DEFAULT 0, -- 儿童
	youth INTEGER NOT NULL DEFAULT 0,    -- 青年
	middle INTEGER NOT NULL DEFAULT 0,   -- 中年
	elders INTEGER NOT NULL DEFAULT 0,   -- 老年
	participants INTEGER NOT NULL DEFAULT 0, -- total, named ones included: 服务人次
	named INTEGER NOT NULL DEFAULT 0,
	volunteer_minutes INTEGER NOT NULL DEFAULT 0,
	resources_fen BIGINT NOT NULL DEFAULT 0,
	content TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	satisfaction INTEGER NOT NULL DEFAULT 0, -- 1–5, 0 not asked
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX activities_org_planned ON activities (org_id, planned_month, status, planned_on);
CREATE INDEX activities_org_held ON activities (org_id, held_month, status, kind);

-- Named participants: registered recipients; each has a service record
-- (id = the row's id).
CREATE TABLE act_participants (
	id TEXT PRIMARY KEY,
	activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
	recipient_id TEXT NOT NULL REFERENCES recipients (id),
	position INTEGER NOT NULL
);
CREATE UNIQUE INDEX act_participants_person ON act_participants (activity_id, recipient_id);
CREATE INDEX act_participants_recipient ON act_participants (recipient_id);

-- Volunteers and their minutes; mirrored into wf_volunteer_hours
-- (source 'activity').
CREATE TABLE act_volunteers (
	activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
	volunteer_id TEXT NOT NULL REFERENCES wf_volunteers (id),
	position INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	PRIMARY KEY (activity_id, volunteer_id)
);
CREATE INDEX act_volunteers_volunteer ON act_volunteers (volunteer_id);

-- Partners and the resources they brought, value in 分.
CREATE TABLE act_partners (
	activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	resource TEXT NOT NULL DEFAULT '',
	value_fen BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (activity_id, position)
);
