-- SQLite's subtree condition is a byte range on path (authz.SubtreeCond),
-- which the binary-collated UNIQUE index on path already serves.
SELECT 1;
