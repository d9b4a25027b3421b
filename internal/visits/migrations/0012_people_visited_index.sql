-- 走访人数 (distinct people visited in a period) reads only the (org,
-- time) index, which now carries the person: before, it fetched every
-- visit of the period from the table.
DROP INDEX visits_org_time;
CREATE INDEX visits_org_time ON visits (org_id, visited_at, risk_tier, method, recipient_id);
