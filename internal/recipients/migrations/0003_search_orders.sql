-- Orders a list is read in without sorting, at a million rows: by pinyin
-- initials (the order of an initials search such as "zs") and by birth
-- date (oldest first). The id completes each order, and in recipients_org
-- it makes a station's page an index-only read: its people sort by name
-- without their rows being fetched.
DROP INDEX recipients_initials;
CREATE INDEX recipients_initials ON recipients (name_initials, name, id);
CREATE INDEX recipients_birth ON recipients (birth_date, id);
DROP INDEX recipients_org;
CREATE INDEX recipients_org ON recipients (org_id, status, name, id);
