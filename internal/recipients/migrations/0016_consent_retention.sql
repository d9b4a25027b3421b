-- Consent to the processing of personal data (个人信息保护法 Art. 13-14,
-- 31: a guardian's for a child under 14), recorded at registration: who
-- consented (self / guardian) and their name, on which day, how, for
-- which purpose, and the attachment id of the signed form's scan.
ALTER TABLE recipients ADD COLUMN consent_by TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN consent_name TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN consent_on TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN consent_method TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN consent_purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN consent_scan_id TEXT NOT NULL DEFAULT '';
-- When the retention run anonymised the record ('' while it holds
-- personal data).
ALTER TABLE recipients ADD COLUMN anonymised_at TEXT NOT NULL DEFAULT '';

-- How long a county keeps the data of people who left service (迁出,
-- 死亡, 结束服务), in years after the day they left (status_date); no row
-- means recipients.DefaultRetentionYears.
CREATE TABLE recipient_retention (
	county_id TEXT PRIMARY KEY REFERENCES org_units (id),
	years INTEGER NOT NULL,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
