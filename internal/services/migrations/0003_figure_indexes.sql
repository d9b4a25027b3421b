-- The period figures read only indexes: service hours from the (org,
-- time) index, which now carries the minutes, and resources linked (count
-- and value) from a small index of resource records alone. Before, each
-- of the three fetched every record of the period from the table (a
-- county's month: 110 ms each at 3 M records).
DROP INDEX service_records_org_time;
CREATE INDEX service_records_org_time ON service_records (org_id, served_at, recipient_id, participants, minutes);
CREATE INDEX service_records_resources ON service_records (org_id, served_at, value_fen) WHERE kind = 'resource';
