package casework

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// Task is something due on a case: the next stage, or a follow-up.
type Task struct {
	ID         string `json:"id"`
	CaseID     string `json:"case_id"`
	CaseNumber string `json:"case_number"`
	OrgName    string `json:"org_name"`
	UserID     string `json:"user_id"`
	WorkerName string `json:"worker_name"`
	Kind       string `json:"kind"`
	KindLabel  string `json:"kind_label"`
	DueOn      string `json:"due_on"`
	DoneOn     string `json:"done_on,omitempty"`
	Overdue    bool   `json:"overdue"`
}

var taskLabels = map[string]string{"assessment": "完成预估", "plan": "制定服务计划", "evaluation": "评估", "followup": "结案后跟进"}

const taskSelect = `SELECT t.id, t.case_id, c.number, o.name, t.user_id, COALESCE(u.display_name, ''), t.kind, t.due_on, t.done_on
	FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN org_units o ON o.id = t.org_id LEFT JOIN users u ON u.id = t.user_id`

func scanTask(today string) func(r interface{ Scan(...any) error }) (Task, error) {
	return func(r interface{ Scan(...any) error }) (t Task, err error) {
		err = r.Scan(&t.ID, &t.CaseID, &t.CaseNumber, &t.OrgName, &t.UserID, &t.WorkerName, &t.Kind, &t.DueOn, &t.DoneOn)
		t.KindLabel = taskLabels[t.Kind]
		t.Overdue = t.DoneOn == "" && t.DueOn < today
		return t, err
	}
}

func caseTasks(ctx context.Context, q db.Querier, caseID string) ([]Task, error) {
	rows, err := q.Query(ctx, taskSelect+` WHERE t.case_id = ? ORDER BY t.due_on, t.id`, caseID)
	return db.Collect(rows, err, scanTask(cst.Today()))
}

// TaskFilter selects open tasks.
type TaskFilter struct {
	UserID      string // a worker's tasks
	OrgID       string // a node's (with its subtree)
	OverdueOnly bool
	Limit       int
	Offset      int
}

// TasksAllVisible reports whether Tasks lists every task of the actor's
// scope (no children rule or assignment rule narrows it), so a count of
// the scope's tasks (the figure casework.overdue_tasks) is the list's.
func TasksAllVisible(actor *authz.Actor) bool {
	vc, _ := recipients.VisibleCond(actor, "r")
	return vc == ""
}

// Tasks lists open tasks the actor may see (scope, children rule), the
// most overdue first (due_on, then id), and their total.
//
// As for List, the page is chosen on case_tasks alone — scope, filters
// and the children rule in one subquery served by case_tasks_open or
// case_tasks_mine (… done_on, due_on, id) — and only the page's rows are
// joined to their case, station and worker.
func Tasks(ctx context.Context, q db.Querier, actor *authz.Actor, f TaskFilter) ([]Task, int, error) {
	if err := actor.Require(authz.PermCaseworkRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	c.Add("t.done_on = ''")
	today := cst.Today()
	if f.OverdueOnly {
		c.Add("t.due_on < ?", today)
	}
	if f.UserID != "" {
		c.Add("t.user_id = ?", f.UserID)
	}
	cond, args, err := underNode(ctx, q, actor, f.OrgID, "t.org_id")
	if err != nil {
		return nil, 0, err
	}
	c.Add(cond, args...)
	if vc, args := recipients.VisibleCond(actor, "r"); vc != "" {
		c.Add("EXISTS (SELECT 1 FROM cases tc JOIN recipients r ON r.id = tc.recipient_id WHERE tc.id = t.case_id AND "+vc+")", args...)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	w, wargs := c.Where(), c.Args()
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM case_tasks t`+w, wargs...).Scan(&total); err != nil {
		return nil, 0, err
	}
	const order = ` ORDER BY t.due_on, t.id`
	page := `SELECT t.id FROM case_tasks t` + w + order + ` LIMIT ? OFFSET ?`
	rows, err := q.Query(ctx, taskSelect+` WHERE t.id IN (`+page+`)`+order, append(wargs, f.Limit, max(f.Offset, 0))...)
	out, err := db.Collect(rows, err, scanTask(today))
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
