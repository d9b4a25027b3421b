-- SQLite: the indexes of 0004 already cover prefix searches.
SELECT 1;
