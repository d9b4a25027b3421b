-- Staged roster uploads are now sealed (they hold ID numbers and phones).
-- Those kept before were stored as plain base64: drop them (they are kept
-- for 24 hours only; the user uploads the file again).
DELETE FROM wf_import_batches;
