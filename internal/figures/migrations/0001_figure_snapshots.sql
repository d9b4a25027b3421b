-- Stock figures (a state at a moment: people in care, stations running…)
-- cannot be recomputed for a past day from the records, so the value of
-- every stock figure of every active county and station is kept each
-- day; a past period reads the value of its last day.
CREATE TABLE figure_snapshots (
	figure TEXT NOT NULL,                           -- the figure's key
	org_id TEXT NOT NULL REFERENCES org_units (id), -- a county or station node: its whole subtree
	day TEXT NOT NULL,                              -- China date the value holds for
	value BIGINT NOT NULL,
	taken_at TEXT NOT NULL,                         -- instant computed (cst.Stamp)
	PRIMARY KEY (figure, org_id, day)
);
CREATE INDEX figure_snapshots_day ON figure_snapshots (figure, day);
