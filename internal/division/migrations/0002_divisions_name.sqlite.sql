-- Name prefix search (name LIKE 'prefix%'). SQLite uses an index for LIKE
-- only when the index collation matches LIKE's case folding: NOCASE while
-- case_sensitive_like is off (the default).
CREATE INDEX divisions_name ON divisions (name COLLATE NOCASE);
