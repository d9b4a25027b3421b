-- Name prefix search (name LIKE 'prefix%'). PostgreSQL uses a btree for
-- LIKE only with the C collation or a pattern operator class; the latter
-- works whatever the database's locale.
CREATE INDEX divisions_name ON divisions (name text_pattern_ops);
