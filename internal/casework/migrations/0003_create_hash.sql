-- Assessments, evaluations and log entries take a client-made id: a
-- resend of the same content answers with the stored record, other
-- content under the id is refused (a log entry stored before this has
-- no hash and is taken as a resend, as it was). The keyed fingerprint of what the create was sent
-- tells the two apart without keeping case content in clear.
ALTER TABLE case_assessments ADD COLUMN create_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE case_evaluations ADD COLUMN create_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE case_logs ADD COLUMN create_hash TEXT NOT NULL DEFAULT '';
