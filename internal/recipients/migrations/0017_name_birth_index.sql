-- The duplicate rule (duplicates.go, personLookup) looks a person up by
-- the same name and birth date once per registration and per imported
-- row: one seek on (name, birth_date), instead of reading every record
-- of a common name through recipients_name to compare its birth date.
CREATE INDEX recipients_name_birth ON recipients (name, birth_date);
