-- Service records (服务记录): one line per act of service, whichever
-- module did it. A record derived from another (a visit, a case log
-- entry, a resource linked) names its source and is written and
-- corrected only through it; a record typed here has source ''.
CREATE TABLE service_records (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the station or room that served: scope
	recipient_id TEXT REFERENCES recipients (id),  -- NULL: anonymous participants, counted only
	participants INTEGER NOT NULL DEFAULT 1,       -- 服务人次 of this record: 1 for a named person
	kind TEXT NOT NULL,                            -- visit, case, group, community, policy, referral, resource, other
	category TEXT NOT NULL DEFAULT '',             -- content category code from the county's list
	served_at TEXT NOT NULL,                       -- instant (cst.Stamp)
	served_on TEXT NOT NULL,                       -- its China date
	minutes INTEGER NOT NULL DEFAULT 0,
	place TEXT NOT NULL DEFAULT '',
	content_enc TEXT NOT NULL DEFAULT '',          -- sealed: what was done and said
	satisfaction INTEGER NOT NULL DEFAULT 0,       -- 1 (很不满意) … 5 (很满意); 0 = not asked
	change_observed TEXT NOT NULL DEFAULT '',      -- much, some, none, worse; '' = not assessed
	value_fen BIGINT NOT NULL DEFAULT 0,           -- value of a resource linked, 分
	source TEXT NOT NULL DEFAULT '',               -- '' typed here; visit, case_log, resource…
	source_id TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- One record per source record.
CREATE UNIQUE INDEX service_records_source ON service_records (source, source_id) WHERE source <> '';
-- A person's timeline, newest first.
CREATE INDEX service_records_recipient ON service_records (recipient_id, served_at);
-- A station's list and the period figures.
CREATE INDEX service_records_org_time ON service_records (org_id, served_at, recipient_id, participants);

-- Who served: people of the workforce registries (a social worker or a
-- volunteer) and, when they have one, their account; or a name only.
CREATE TABLE service_record_staff (
	record_id TEXT NOT NULL REFERENCES service_records (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	user_id TEXT NOT NULL DEFAULT '',
	worker_id TEXT NOT NULL DEFAULT '',
	volunteer_id TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	PRIMARY KEY (record_id, position)
);
CREATE INDEX service_record_staff_user ON service_record_staff (user_id);
CREATE INDEX service_record_staff_worker ON service_record_staff (worker_id);
CREATE INDEX service_record_staff_volunteer ON service_record_staff (volunteer_id);

-- A county's list of content categories; with none, the defaults.
CREATE TABLE service_categories (
	org_id TEXT NOT NULL REFERENCES org_units (id),
	code TEXT NOT NULL,
	label TEXT NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (org_id, code)
);

-- A volunteer's account is wf_volunteers.user_id (workforce migration
-- 0004), as a worker's is wf_workers.user_id: service records name the
-- person, not only the login.
