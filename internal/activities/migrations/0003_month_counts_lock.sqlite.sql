-- SQLite runs one writer at a time: the lock PostgreSQL takes here
-- (0003_month_counts_lock.pg.sql) is not needed.
SELECT 1;
