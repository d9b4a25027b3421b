-- Casework (个案工作, MZ/T 094-2017): a case runs 接案 → 预估 → 计划 →
-- 介入 → 评估 → 结案 (→ 跟进). Content (history, problems, goals' text,
-- logs, summaries) is sealed; what figures and lists need — dates,
-- stages, scores, reasons — is plain.
CREATE TABLE cases (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	number TEXT NOT NULL UNIQUE,              -- by the county's rule, e.g. GA-2026-朝歌-0001
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the station (or room) running the case: scope
	recipient_id TEXT NOT NULL REFERENCES recipients (id), -- the client (案主)
	stage TEXT NOT NULL,                      -- follows from what is recorded (stage.go); kept here for lists
	risk TEXT NOT NULL DEFAULT '',            -- high, or ''
	source TEXT NOT NULL,                     -- self, outreach, visit, referral
	source_visit_id TEXT NOT NULL DEFAULT '',
	source_referrer TEXT NOT NULL DEFAULT '',
	opened_on TEXT NOT NULL,                  -- 接案日期 (China date)
	intake_enc TEXT NOT NULL DEFAULT '',      -- sealed: presenting problem and first assessment
	decision TEXT NOT NULL DEFAULT '',        -- '' (undecided), accept, decline
	decided_on TEXT NOT NULL DEFAULT '',
	decline_reason TEXT NOT NULL DEFAULT '',
	decline_referral TEXT NOT NULL DEFAULT '',-- where a declined client was referred
	agreement_on TEXT NOT NULL DEFAULT '',    -- 服务协议 signed on
	closed_on TEXT NOT NULL DEFAULT '',       -- approved closure
	close_reason TEXT NOT NULL DEFAULT '',
	reopen_count INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX cases_org_stage ON cases (org_id, stage, opened_on);
CREATE INDEX cases_recipient ON cases (recipient_id);
CREATE INDEX cases_opened ON cases (org_id, opened_on);
CREATE INDEX cases_closed ON cases (org_id, closed_on);

-- The case's workers (lead first) and the household members involved.
CREATE TABLE case_workers (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	lead INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_workers_user ON case_workers (user_id, case_id);
CREATE TABLE case_members (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	recipient_id TEXT NOT NULL REFERENCES recipients (id),
	PRIMARY KEY (case_id, recipient_id)
);
CREATE INDEX case_members_recipient ON case_members (recipient_id);

-- 预估: each assessment keeps its scores; the content (history, family
-- map, problems, strengths) is one sealed JSON document.
CREATE TABLE case_assessments (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	assessed_on TEXT NOT NULL,
	content_enc TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (case_id, seq)
);
CREATE TABLE case_scores (
	assessment_id TEXT NOT NULL REFERENCES case_assessments (id) ON DELETE CASCADE,
	domain TEXT NOT NULL,
	item TEXT NOT NULL,
	score INTEGER NOT NULL, -- 1–5
	PRIMARY KEY (assessment_id, domain, item)
);

-- 计划: one plan per case, edited until approved; goals per domain.
CREATE TABLE case_plans (
	case_id TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
	version INTEGER NOT NULL DEFAULT 1,
	content_enc TEXT NOT NULL DEFAULT '', -- sealed JSON: strategy, roles, steps
	status TEXT NOT NULL DEFAULT 'draft', -- draft, pending, approved, returned
	approved_on TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE TABLE case_goals (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	domain TEXT NOT NULL,
	text_enc TEXT NOT NULL,   -- sealed: the goal and its measures
	due_on TEXT NOT NULL
);
CREATE INDEX case_goals_case ON case_goals (case_id, position);

-- 介入: dated log entries; each is also a service record.
CREATE TABLE case_logs (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	logged_at TEXT NOT NULL, -- instant
	kind TEXT NOT NULL,      -- interview, phone, home, escort, resource, crisis, other
	minutes INTEGER NOT NULL,
	content_enc TEXT NOT NULL,
	next_step_enc TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX case_logs_case ON case_logs (case_id, logged_at);

-- 评估: attainment per goal (1 未达成 … 5 完全达成) and a summary.
CREATE TABLE case_evaluations (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	evaluated_on TEXT NOT NULL,
	summary_enc TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX case_evaluations_case ON case_evaluations (case_id, evaluated_on);
CREATE TABLE case_attainment (
	evaluation_id TEXT NOT NULL REFERENCES case_evaluations (id) ON DELETE CASCADE,
	goal_id TEXT NOT NULL REFERENCES case_goals (id) ON DELETE CASCADE,
	level INTEGER NOT NULL,
	PRIMARY KEY (evaluation_id, goal_id)
);

-- 结案: the closure asked for (approved closes the case); follow-ups.
CREATE TABLE case_closures (
	case_id TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
	version INTEGER NOT NULL DEFAULT 1,
	reason TEXT NOT NULL,
	summary_enc TEXT NOT NULL,
	followups TEXT NOT NULL DEFAULT '', -- China dates, comma-separated
	status TEXT NOT NULL DEFAULT 'pending', -- pending, approved, returned
	updated_at TEXT NOT NULL
);

-- Every request for approval and its answer, kept.
CREATE TABLE case_approvals (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	subject TEXT NOT NULL,        -- plan, closure
	route TEXT NOT NULL,          -- who answers: station_head, supervisor, admin
	requested_by TEXT NOT NULL,
	requested_at TEXT NOT NULL,
	decision TEXT NOT NULL DEFAULT '', -- '' (pending), approved, returned
	reason TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_approvals_case ON case_approvals (case_id, requested_at);
CREATE INDEX case_approvals_pending ON case_approvals (decision, route, case_id);

-- Stage changes and other milestones, for the timeline and history.
CREATE TABLE case_events (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	kind TEXT NOT NULL,  -- stage, submitted, approved, returned, reopened
	stage TEXT NOT NULL, -- the stage after the event
	note TEXT NOT NULL DEFAULT '',
	actor_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, at);

-- What is due: entering a stage schedules the next (county rules).
CREATE TABLE case_tasks (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES org_units (id),
	user_id TEXT NOT NULL DEFAULT '', -- the lead worker
	kind TEXT NOT NULL,               -- assessment, plan, evaluation, followup
	due_on TEXT NOT NULL,
	done_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_tasks_org_due ON case_tasks (org_id, done_on, due_on);
CREATE INDEX case_tasks_user_due ON case_tasks (user_id, done_on, due_on);
CREATE INDEX case_tasks_case ON case_tasks (case_id, kind);

-- County settings: who approves, due days, numbering, scored domains.
CREATE TABLE case_settings (
	org_id TEXT PRIMARY KEY REFERENCES org_units (id),
	settings TEXT NOT NULL, -- JSON (Settings)
	updated_at TEXT NOT NULL
);

-- Supervisors (督导) and the stations they cover.
CREATE TABLE supervisor_stations (
	user_id TEXT NOT NULL REFERENCES users (id),
	org_id TEXT NOT NULL REFERENCES org_units (id),
	PRIMARY KEY (user_id, org_id)
);
CREATE INDEX supervisor_stations_org ON supervisor_stations (org_id);

-- Case number sequences: a number is never reused.
CREATE TABLE case_sequences (
	prefix TEXT PRIMARY KEY,
	last INTEGER NOT NULL
);
