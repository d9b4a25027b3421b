-- Name and initials searches check each candidate's scope (org_id) and,
-- for roles that may not see children, its birth date. With both in the
-- index, a search reads the index alone instead of fetching a table row
-- per candidate: the difference between ~2 ms and ~30 ms at a million rows.
DROP INDEX recipients_name;
CREATE INDEX recipients_name ON recipients (name, org_id, birth_date, id);
DROP INDEX recipients_initials;
CREATE INDEX recipients_initials ON recipients (name_initials, name, org_id, birth_date, id);
