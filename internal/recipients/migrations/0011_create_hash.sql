-- A keyed fingerprint of what the create that made the record was sent,
-- so the same create sent again (a double tap, an offline resend) is told
-- from another record reusing the id. '' for records made before.
ALTER TABLE recipients ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
