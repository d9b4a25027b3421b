-- The workforce: social workers and their qualifications, volunteers and
-- their service hours, training, honours/talent programmes and allowances.
-- Every person and event carries the org node it belongs to, for scope.

CREATE TABLE wf_workers (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	sex TEXT NOT NULL,                     -- M / F, from the ID number
	birth_date TEXT NOT NULL,              -- YYYY-MM-DD, from the ID number
	idcard_enc TEXT NOT NULL,              -- sealed (secure package)
	idcard_index TEXT NOT NULL,            -- blind index: one person, one record
	phone_enc TEXT NOT NULL DEFAULT '',
	phone_index TEXT NOT NULL DEFAULT '',
	education TEXT NOT NULL DEFAULT '',
	major TEXT NOT NULL DEFAULT '',
	post TEXT NOT NULL DEFAULT '',
	employer TEXT NOT NULL DEFAULT '',     -- the organisation that employs them (社工机构…)
	hired_on TEXT NOT NULL DEFAULT '',
	left_on TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active', -- active / left
	user_id TEXT REFERENCES users (id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX wf_workers_idcard ON wf_workers (idcard_index);
CREATE UNIQUE INDEX wf_workers_user ON wf_workers (user_id);
CREATE INDEX wf_workers_org ON wf_workers (org_id);
CREATE INDEX wf_workers_phone ON wf_workers (phone_index);

-- A qualification: 助理社会工作师 / 社会工作师 / 高级社会工作师 certificates,
-- and the 高级 exam pass (stage = exam), valid for a limited number of years
-- until the review turns it into a certificate.
CREATE TABLE wf_qualifications (
	id TEXT PRIMARY KEY,
	worker_id TEXT NOT NULL REFERENCES wf_workers (id) ON DELETE CASCADE,
	level TEXT NOT NULL,                   -- junior / intermediate / senior
	stage TEXT NOT NULL DEFAULT 'certificate', -- certificate / exam
	cert_no TEXT NOT NULL DEFAULT '',
	obtained_on TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX wf_qualifications_worker ON wf_qualifications (worker_id);

CREATE TABLE wf_volunteers (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	phone_enc TEXT NOT NULL DEFAULT '',
	phone_index TEXT NOT NULL DEFAULT '',
	skills TEXT NOT NULL DEFAULT '',
	registered_on TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'active', -- active / inactive
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX wf_volunteers_org ON wf_volunteers (org_id);
CREATE INDEX wf_volunteers_phone ON wf_volunteers (phone_index);

-- Service hours in minutes, so half hours add up exactly.
CREATE TABLE wf_volunteer_hours (
	id TEXT PRIMARY KEY,
	volunteer_id TEXT NOT NULL REFERENCES wf_volunteers (id) ON DELETE CASCADE,
	served_on TEXT NOT NULL,
	minutes INTEGER NOT NULL,
	activity TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX wf_volunteer_hours_volunteer ON wf_volunteer_hours (volunteer_id, served_on);

CREATE TABLE wf_trainings (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	title TEXT NOT NULL,
	kind TEXT NOT NULL,                    -- online / short / peer / case / supervisor
	organiser TEXT NOT NULL DEFAULT '',
	start_on TEXT NOT NULL,
	end_on TEXT NOT NULL,
	minutes INTEGER NOT NULL,              -- hours credited to each attendee, in minutes
	place TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX wf_trainings_org ON wf_trainings (org_id, start_on);

CREATE TABLE wf_training_attendees (
	training_id TEXT NOT NULL REFERENCES wf_trainings (id) ON DELETE CASCADE,
	person_kind TEXT NOT NULL,             -- worker / volunteer
	person_id TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (training_id, person_kind, person_id)
);
CREATE INDEX wf_training_attendees_person ON wf_training_attendees (person_kind, person_id);

CREATE TABLE wf_programmes (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,                    -- honour / talent
	description TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE wf_rounds (
	id TEXT PRIMARY KEY,
	programme_id TEXT NOT NULL REFERENCES wf_programmes (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	year INTEGER NOT NULL,
	benefits TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX wf_rounds_programme ON wf_rounds (programme_id);

CREATE TABLE wf_nominees (
	id TEXT PRIMARY KEY,
	round_id TEXT NOT NULL REFERENCES wf_rounds (id) ON DELETE CASCADE,
	worker_id TEXT NOT NULL REFERENCES wf_workers (id),
	status TEXT NOT NULL DEFAULT 'nominated', -- nominated / selected / not_selected
	note TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	UNIQUE (round_id, worker_id)
);
CREATE INDEX wf_nominees_worker ON wf_nominees (worker_id);

-- An allowance granted to a selected person: an amount a year (分) for a
-- number of years from a start month, paid by year, quarter or month.
-- Its payment lines are produced once, when the schedule is made.
CREATE TABLE wf_allowance_schedules (
	id TEXT PRIMARY KEY,
	nominee_id TEXT NOT NULL UNIQUE REFERENCES wf_nominees (id) ON DELETE CASCADE,
	annual_fen BIGINT NOT NULL,
	years INTEGER NOT NULL,
	start_month TEXT NOT NULL,             -- YYYY-MM
	frequency TEXT NOT NULL,               -- year / quarter / month
	created_at TEXT NOT NULL
);

CREATE TABLE wf_allowance_lines (
	id TEXT PRIMARY KEY,
	schedule_id TEXT NOT NULL REFERENCES wf_allowance_schedules (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	period_start TEXT NOT NULL,            -- YYYY-MM, first month covered
	period_end TEXT NOT NULL,              -- YYYY-MM, last month covered
	due_on TEXT NOT NULL,                  -- YYYY-MM-DD
	amount_fen BIGINT NOT NULL,
	paid INTEGER NOT NULL DEFAULT 0,
	paid_on TEXT NOT NULL DEFAULT '',
	confirmed_by TEXT NOT NULL DEFAULT '',      -- users.id
	confirmed_by_name TEXT NOT NULL DEFAULT '',
	confirmed_at TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX wf_allowance_lines_schedule ON wf_allowance_lines (schedule_id, seq);

-- A roster upload kept between "check" and "import the valid rows", so the
-- user does not have to send the file twice. Old batches are purged.
CREATE TABLE wf_import_batches (
	id TEXT PRIMARY KEY,
	actor_id TEXT NOT NULL,
	org_path TEXT NOT NULL,
	filename TEXT NOT NULL,
	content TEXT NOT NULL,                 -- the .xlsx in base64
	created_at TEXT NOT NULL,
	committed_at TEXT NOT NULL DEFAULT '',
	rejected TEXT NOT NULL DEFAULT ''      -- JSON of the rows left out when committed
);
