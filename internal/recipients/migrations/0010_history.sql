-- A person's own history, for their timeline: registration and each
-- status change (在册, 暂停, 迁出, 死亡, 结束服务), and each change of
-- household. Rows are written in the transaction of the change and never
-- changed afterwards; the audit log stays the record of who changed
-- what, these the record of what happened to the person.
CREATE TABLE recipient_status_history (
	id TEXT PRIMARY KEY,
	recipient_id TEXT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
	at TEXT NOT NULL,                      -- instant written (cst.Stamp)
	kind TEXT NOT NULL,                    -- registered, status
	status TEXT NOT NULL,                  -- the status from then on; '' = not known (rows made by this migration)
	reason TEXT NOT NULL DEFAULT '',
	effective_on TEXT NOT NULL DEFAULT '', -- the date the status took effect (status_date)
	actor_id TEXT NOT NULL DEFAULT ''      -- users.id, '' for the system
);
CREATE INDEX recipient_status_history_person ON recipient_status_history (recipient_id, at);

CREATE TABLE recipient_household_history (
	id TEXT PRIMARY KEY,
	recipient_id TEXT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
	at TEXT NOT NULL,                      -- instant written (cst.Stamp)
	change TEXT NOT NULL,                  -- joined, left, relation (relation to the head changed)
	household_id TEXT NOT NULL,            -- no reference: a dissolved household is deleted, its history stays
	household_name TEXT NOT NULL,
	relation TEXT NOT NULL DEFAULT '',     -- relation to the head from then on ('' after leaving)
	actor_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recipient_household_history_person ON recipient_household_history (recipient_id, at);

-- What the rows already tell: each person's registration (with the
-- status it had, if still in care); a status other than in care as a
-- change at the record's last edit, the nearest instant known; each
-- membership since the household was made. Ids of these rows are the
-- person's id with a suffix (new rows get UUIDv7s).
INSERT INTO recipient_status_history (id, recipient_id, at, kind, status, reason, effective_on, actor_id)
	SELECT id || '-registered', id, created_at, 'registered', CASE WHEN status = 'active' THEN 'active' ELSE '' END, '', '', created_by
	FROM recipients;
INSERT INTO recipient_status_history (id, recipient_id, at, kind, status, reason, effective_on, actor_id)
	SELECT id || '-status', id, updated_at, 'status', status, status_reason, status_date, ''
	FROM recipients WHERE status <> 'active';
INSERT INTO recipient_household_history (id, recipient_id, at, change, household_id, household_name, relation, actor_id)
	SELECT r.id || '-household', r.id, h.created_at, 'joined', h.id, h.name, r.household_relation, ''
	FROM recipients r JOIN households h ON h.id = r.household_id;
