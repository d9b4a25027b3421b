-- Hours a volunteer gave in a group session or a community activity are
-- written by that module with its record (source, source_id) and
-- corrected only there; hours logged by hand have source ''.
ALTER TABLE wf_volunteer_hours ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE wf_volunteer_hours ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
CREATE INDEX wf_volunteer_hours_source ON wf_volunteer_hours (source, source_id);
