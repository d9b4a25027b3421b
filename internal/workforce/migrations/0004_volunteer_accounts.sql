-- A volunteer's login account (role volunteer) and their person in the
-- registry: what a volunteer sees of recipients follows the assignments
-- of that person (recipients.FieldAccess). NULL: no account.
ALTER TABLE wf_volunteers ADD COLUMN user_id TEXT REFERENCES users (id);
CREATE UNIQUE INDEX wf_volunteers_user ON wf_volunteers (user_id);
