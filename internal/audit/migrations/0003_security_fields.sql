-- Security events record the client's user agent and their result
-- (GB/T 22239-2019 8.1.4.3 b: date, time, user, event type, result).
ALTER TABLE audit_log ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN result TEXT NOT NULL DEFAULT '';
