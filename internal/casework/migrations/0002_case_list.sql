-- A station's case list is paged on cases alone (casework.List): scope,
-- stage and the newest-first order come from this index, and the
-- recipient id it carries lets the children rule look up only the
-- recipient, never the case row. It serves every query the index it
-- replaces did (the same leading columns).
CREATE INDEX cases_list ON cases (org_id, stage, opened_on, id, recipient_id);
DROP INDEX cases_org_stage;
