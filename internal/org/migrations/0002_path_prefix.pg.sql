-- Subtree and scope conditions are a prefix match on path (path LIKE
-- '/a/b/%', authz.SubtreeCond). PostgreSQL uses a btree for LIKE only with
-- the C collation or a pattern operator class; the latter works whatever
-- the database's locale.
CREATE INDEX org_units_path_prefix ON org_units (path text_pattern_ops);
