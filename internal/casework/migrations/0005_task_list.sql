-- The task lists are paged on case_tasks alone (casework.Tasks): these
-- indexes give scope or worker, open, due date and id without reading a
-- task's row. They serve every query the indexes they replace did.
CREATE INDEX case_tasks_open ON case_tasks (org_id, done_on, due_on, id);
DROP INDEX case_tasks_org_due;
CREATE INDEX case_tasks_mine ON case_tasks (user_id, done_on, due_on, id);
DROP INDEX case_tasks_user_due;
