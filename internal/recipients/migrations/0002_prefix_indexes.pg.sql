-- PostgreSQL: prefix search is written as LIKE 'x%', which uses an index
-- only with the pattern operator class when the database collation is not C.
CREATE INDEX recipients_name_prefix ON recipients (name text_pattern_ops);
CREATE INDEX recipients_initials_prefix ON recipients (name_initials text_pattern_ops);
