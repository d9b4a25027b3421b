-- Referral (转介) and the directory of local agencies and resources.
CREATE TABLE agencies (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the county (or station) keeping the entry
	name TEXT NOT NULL,
	kind TEXT NOT NULL,        -- civil, health, education, disability, justice, women, hospital, school, charity, other
	contact TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	services TEXT NOT NULL DEFAULT '', -- services offered
	active INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX agencies_org ON agencies (org_id, kind, name);

CREATE TABLE referrals (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	org_id TEXT NOT NULL REFERENCES org_units (id), -- the referring station: scope
	recipient_id TEXT NOT NULL REFERENCES recipients (id),
	case_id TEXT REFERENCES cases (id),
	goal_id TEXT NOT NULL DEFAULT '',   -- the case goal the referral serves
	agency_id TEXT NOT NULL REFERENCES agencies (id),
	reason_enc TEXT NOT NULL,           -- sealed
	urgency TEXT NOT NULL,              -- normal, urgent, emergency
	consent_by TEXT NOT NULL DEFAULT '',-- who consented (本人, 监护人…)
	consent_on TEXT NOT NULL DEFAULT '',
	consent_override TEXT NOT NULL DEFAULT '', -- reason consent was overridden (audited)
	documents TEXT NOT NULL DEFAULT '', -- documents sent, one per line
	status TEXT NOT NULL,               -- sent, received, rejected, completed, withdrawn
	status_reason TEXT NOT NULL DEFAULT '',
	result_enc TEXT NOT NULL DEFAULT '',-- sealed: the outcome
	goal_met INTEGER NOT NULL DEFAULT 0,-- the outcome met the goal it served
	sent_on TEXT NOT NULL,
	answered_on TEXT NOT NULL DEFAULT '',
	completed_on TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX referrals_org ON referrals (org_id, status, sent_on);
CREATE INDEX referrals_recipient ON referrals (recipient_id);
CREATE INDEX referrals_case ON referrals (case_id);

CREATE TABLE referral_events (
	id TEXT PRIMARY KEY,
	referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	status TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	actor_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);
