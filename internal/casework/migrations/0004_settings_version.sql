-- A county's casework rules are saved against the version the page was
-- drawn from, so two administrators editing at once cannot silently
-- overwrite each other.
ALTER TABLE case_settings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
