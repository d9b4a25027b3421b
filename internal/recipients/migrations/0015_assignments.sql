-- Volunteers' assignments (志愿者任务分派): a station head assigns a
-- recipient to a volunteer in the registry (wf_volunteers) for a task
-- over a span of days. A volunteer sees only the people assigned to them
-- today (recipients.FieldAccess). volunteer_id names a wf_volunteers row;
-- it has no foreign key because the recipients schema is also used
-- without the workforce module (the condition that reads it joins
-- wf_volunteers only for volunteers' queries).
CREATE TABLE recipient_assignments (
	id TEXT PRIMARY KEY,
	version INTEGER NOT NULL DEFAULT 1,
	recipient_id TEXT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
	volunteer_id TEXT NOT NULL,
	task TEXT NOT NULL,
	starts_on TEXT NOT NULL,           -- China date, first day
	ends_on TEXT NOT NULL DEFAULT '',  -- China date, last day; '' open
	assigned_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX recipient_assignments_recipient ON recipient_assignments (recipient_id, starts_on);
CREATE INDEX recipient_assignments_volunteer ON recipient_assignments (volunteer_id, recipient_id);
