-- Every visit is a service: the visits stored before service records
-- existed get theirs (new visits write one as they are saved). Content
-- stays on the visit; the worker linked to a visitor's account is named.
INSERT INTO service_records (id, version, org_id, recipient_id, participants, kind, category, served_at, served_on, minutes, place,
	content_enc, satisfaction, change_observed, value_fen, source, source_id, content_hash, created_by, created_at, updated_at)
SELECT v.id, 1, v.org_id, v.recipient_id, 1, 'visit', 'comfort', v.visited_at, v.visit_date, 0,
	CASE WHEN v.method = 'home' THEN '服务对象家中' ELSE '' END,
	'', 0, '', 0, 'visit', v.id, '', v.created_by, v.created_at, v.updated_at
FROM visits v
WHERE NOT EXISTS (SELECT 1 FROM service_records s WHERE s.source = 'visit' AND s.source_id = v.id);

INSERT INTO service_record_staff (record_id, position, user_id, worker_id, volunteer_id, name)
SELECT vv.visit_id, vv.position, vv.user_id, COALESCE((SELECT w.id FROM wf_workers w WHERE w.user_id = vv.user_id AND vv.user_id <> ''), ''), '', vv.name
FROM visit_visitors vv
WHERE NOT EXISTS (SELECT 1 FROM service_record_staff s WHERE s.record_id = vv.visit_id);
