-- Planned and held activities per org node and month, kept by the
-- activities package in the transaction of every change, so the
-- county's station × month grid reads a few hundred rows instead of
-- counting a year of activities. planned: by planned month, not
-- cancelled; held: by the month held, held or archived.
CREATE TABLE act_month_counts (
	org_id TEXT NOT NULL REFERENCES org_units (id),
	month TEXT NOT NULL,
	planned INTEGER NOT NULL DEFAULT 0,
	held INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (org_id, month)
);
INSERT INTO act_month_counts (org_id, month, planned, held)
SELECT org_id, month, SUM(planned), SUM(held) FROM (
	SELECT org_id, planned_month AS month, 1 AS planned, 0 AS held FROM activities WHERE status <> 'cancelled'
	UNION ALL
	SELECT org_id, held_month AS month, 0 AS planned, 1 AS held FROM activities WHERE status IN ('held', 'archived')
) x GROUP BY org_id, month;

-- The calendar reads a station's month from this index alone.
DROP INDEX activities_org_planned;
CREATE INDEX activities_calendar ON activities (org_id, planned_month, planned_on, start_time, id, status, kind, title, end_time, place, held_on, participants);
