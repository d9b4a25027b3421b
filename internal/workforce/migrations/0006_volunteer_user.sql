-- A volunteer who logs in (the 志愿者 role) is linked to their account,
-- as a worker is (wf_workers.user_id): at most one volunteer per account.
ALTER TABLE wf_volunteers ADD COLUMN user_id TEXT REFERENCES users (id);
CREATE UNIQUE INDEX wf_volunteers_user ON wf_volunteers (user_id);
