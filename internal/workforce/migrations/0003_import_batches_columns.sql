-- Staged roster uploads are kept by the shared roster.Batches, like the
-- recipients' roster: the same columns (the mode chosen at upload, the
-- number imported once committed), and an index for purging old ones.
ALTER TABLE wf_import_batches ADD COLUMN mode TEXT NOT NULL DEFAULT '';
ALTER TABLE wf_import_batches ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
CREATE INDEX wf_import_batches_created ON wf_import_batches (created_at);
