-- Group work (小组工作, MZ/T 095-2017).

-- A county's rules: how many days after a session its record locks
-- (later edits need the station head).
CREATE TABLE grp_settings (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	lock_days INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);

-- A county's measurement scales for pre and post measures: items each
-- scored min..max, the score is their sum.
CREATE TABLE grp_scales (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	items TEXT NOT NULL,             -- item labels, one per line
	min_score INTEGER NOT NULL,      -- per item
	max_score INTEGER NOT NULL,
	higher_better INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL
);
CREATE INDEX grp_scales_org ON grp_scales (org_id);

-- A group: 筹备 → 招募 → 进行中 → 结束 → 已评估, or cancelled.
CREATE TABLE grp_groups (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- station or room: scope
	name TEXT NOT NULL,
	kind TEXT NOT NULL,                  -- education, growth, support, therapy, interest, other
	goals TEXT NOT NULL DEFAULT '',      -- one goal per line
	target TEXT NOT NULL DEFAULT '',
	place TEXT NOT NULL DEFAULT '',
	planned_sessions INTEGER NOT NULL,
	capacity INTEGER NOT NULL,
	completion_sessions INTEGER NOT NULL, -- a member who attended this many completed the group
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	scale_id TEXT NOT NULL DEFAULT '',    -- '' a single score 0..100
	stage TEXT NOT NULL,                  -- preparing, recruiting, running, ended, evaluated, cancelled
	reason TEXT NOT NULL DEFAULT '',
	goals_attained TEXT NOT NULL DEFAULT '', -- per goal line: 1 attained, 0 not
	evaluation TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX grp_groups_org ON grp_groups (org_id, starts_on);

-- Leaders (workers), co-leaders (workers) and volunteers of a group.
CREATE TABLE grp_staff (
	group_id TEXT NOT NULL REFERENCES grp_groups (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	role TEXT NOT NULL,                  -- leader, co_leader, volunteer
	worker_id TEXT NOT NULL DEFAULT '',
	volunteer_id TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	PRIMARY KEY (group_id, position)
);
CREATE INDEX grp_staff_volunteer ON grp_staff (volunteer_id);

-- Members: a registered recipient, or a name and (sealed) contact only.
CREATE TABLE grp_members (
	id TEXT PRIMARY KEY,
	group_id TEXT NOT NULL REFERENCES grp_groups (id) ON DELETE CASCADE,
	recipient_id TEXT REFERENCES recipients (id),
	name TEXT NOT NULL,
	contact_enc TEXT NOT NULL DEFAULT '',
	joined_on TEXT NOT NULL,
	left_on TEXT NOT NULL DEFAULT '',
	pre_score INTEGER,
	post_score INTEGER,
	pre_items TEXT NOT NULL DEFAULT '',  -- item scores, comma-separated
	post_items TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX grp_members_group ON grp_members (group_id);
CREATE INDEX grp_members_recipient ON grp_members (recipient_id);

CREATE TABLE grp_sessions (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	group_id TEXT NOT NULL REFERENCES grp_groups (id) ON DELETE CASCADE,
	number INTEGER NOT NULL,
	held_on TEXT NOT NULL,
	start_time TEXT NOT NULL,
	minutes INTEGER NOT NULL,
	theme TEXT NOT NULL DEFAULT '',
	content TEXT NOT NULL DEFAULT '',
	process_stage TEXT NOT NULL DEFAULT '', -- forming, transition, mature, ending
	record TEXT NOT NULL DEFAULT '',         -- the session record (过程记录)
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX grp_sessions_number ON grp_sessions (group_id, number);
CREATE INDEX grp_sessions_held ON grp_sessions (held_on);

-- Attendance per member; a present one has a service record (id = the row's id).
CREATE TABLE grp_attendance (
	id TEXT PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES grp_sessions (id) ON DELETE CASCADE,
	member_id TEXT NOT NULL REFERENCES grp_members (id) ON DELETE CASCADE,
	status TEXT NOT NULL -- present, absent, excused
);
CREATE UNIQUE INDEX grp_attendance_member ON grp_attendance (session_id, member_id);

CREATE TABLE grp_session_volunteers (
	session_id TEXT NOT NULL REFERENCES grp_sessions (id) ON DELETE CASCADE,
	volunteer_id TEXT NOT NULL REFERENCES wf_volunteers (id),
	position INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	PRIMARY KEY (session_id, volunteer_id)
);
