-- SQLite: prefix search is written as a range (name >= ? AND name < ?),
-- which the plain indexes of 0001 already serve.
SELECT 1;
