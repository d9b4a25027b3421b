-- Pinyin initials are short ("yx"): across a province thousands share
-- them, so a county's or a station's initials search reads each of its
-- org nodes' own range instead of the province-wide one.
CREATE INDEX recipients_org_initials ON recipients (org_id, name_initials, name, birth_date, id);
