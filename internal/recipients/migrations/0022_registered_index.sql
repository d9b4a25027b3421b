-- 新登记服务对象 (people registered in a period) by node and instant,
-- without reading the node's whole roster.
CREATE INDEX recipients_org_created ON recipients (org_id, created_at);
