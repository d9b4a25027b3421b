package casework

import (
	"context"
	"fmt"
	"sort"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// Casework figures (期间指标): cases opened and closed in the period (by
// their China dates), closures by reason, plans approved, goals attained
// (rated 4–5 in an evaluation of the period), reassessments showing
// improvement (a higher total than the previous), the median days from
// intake to closing (no drill-down: a median is no sum); stocks: cases
// open and tasks overdue. Counts, never content: drill-downs name the
// case number and link the case page, which applies the content rule.
func init() {
	reg := func(key, label, unit string, kind figures.Kind, v figures.ValueFunc, r figures.RecordsFunc) {
		figures.Register(figures.Figure{Key: key, Label: label, Unit: unit, Kind: kind, Module: "casework", Value: v, Records: r})
	}
	opened := caseCount("c.opened_on", "c.opened_on")
	reg("casework.opened", "新接个案数", "个", figures.Flow, opened.value, opened.records)
	closed := caseCount("c.closed_on", "c.closed_on")
	reg("casework.closed", "结案个案数", "个", figures.Flow, closed.value, closed.records)
	for _, r := range CloseReasons {
		fc := caseCount("c.closed_on", "c.closed_on", "c.close_reason = '"+r+"'")
		reg("casework.closed."+r, "结案数（"+CloseReasonLabel(r)+"）", "个", figures.Flow, fc.value, fc.records)
	}
	open := caseCount("", "c.opened_on", "c.stage IN ('intake', 'assessment', 'plan', 'intervention', 'evaluation')")
	reg("casework.open", "在案个案数", "个", figures.Stock, open.value, open.records)
	plans := caseCount("p.approved_on", "p.approved_on")
	plans.from = ` FROM org_units o JOIN cases c ON c.org_id = o.id JOIN case_plans p ON p.case_id = c.id`
	reg("casework.plans_approved", "批准服务计划数", "份", figures.Flow, plans.value, plans.records)
	// By the task's node, as the rollup task_counts and the task list count.
	overdue := caseCount("", "t.due_on", "t.done_on = ''", "t.due_on < ?")
	overdue.from = ` FROM org_units o JOIN case_tasks t ON t.org_id = o.id JOIN cases c ON c.id = t.case_id`
	overdue.today = true
	reg("casework.overdue_tasks", "逾期个案任务数", "项", figures.Stock, overdueTasks, overdue.records)
	goals := caseCount("e.evaluated_on", "e.evaluated_on", "a.level >= 4")
	goals.from = ` FROM org_units o JOIN cases c ON c.org_id = o.id JOIN case_evaluations e ON e.case_id = c.id JOIN case_attainment a ON a.evaluation_id = e.id
		JOIN case_goals g ON g.id = a.goal_id`
	goals.item, goals.itemLabel = "g.position", "目标 %d" // one row per goal: a case's goals told apart
	reg("casework.goals_attained", "目标达成数（大部分及以上）", "个", figures.Flow, goals.value, goals.records)
	improved := caseCount("s.assessed_on", "s.assessed_on",
		`s.seq > 1 AND (SELECT SUM(x.score) FROM case_scores x WHERE x.assessment_id = s.id) >
		(SELECT SUM(y.score) FROM case_scores y JOIN case_assessments p ON p.id = y.assessment_id WHERE p.case_id = s.case_id AND p.seq = s.seq - 1)`)
	improved.from = ` FROM org_units o JOIN cases c ON c.org_id = o.id JOIN case_assessments s ON s.case_id = c.id`
	reg("casework.improved", "预估分数提升人次", "次", figures.Flow, improved.value, improved.records)
	reg("casework.median_days", "接案至结案天数（中位数）", "天", figures.Flow, medianDays, nil)
}

// count is a figure counting rows of from under the node: dated by
// dateCol within the period (a flow; "" for a stock), listed by listDate.
type count struct {
	dateCol, listDate string
	extra             []string
	from              string
	today             bool // extra holds one "?" for today's date
	// item, when set, is an integer column telling apart the rows of one
	// case (a goal's position), named in the drill-down by itemLabel.
	item, itemLabel string
}

func caseCount(dateCol, listDate string, extra ...string) *count {
	return &count{dateCol: dateCol, listDate: listDate, extra: extra, from: ` FROM org_units o JOIN cases c ON c.org_id = o.id`}
}

func (f *count) conds(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	if f.dateCol != "" {
		c.Add(f.dateCol+" >= ? AND "+f.dateCol+" <= ?", p.Start(), p.End())
	}
	for _, e := range f.extra {
		if f.today && e == "t.due_on < ?" {
			c.Add(e, cst.Today())
		} else {
			c.Add(e)
		}
	}
	return c, nil
}

func (f *count) value(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := f.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+f.from+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func (f *count) records(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	// Roles without casework.read see that a case was counted, not which.
	named := actor.Can(authz.PermCaseworkRead)
	c, err := f.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	item, order := "0", f.listDate+" DESC, c.id DESC"
	if f.item != "" {
		item, order = f.item, order+", "+f.item
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + f.from,
		Select: `SELECT c.id, c.number, c.stage, ` + f.listDate + `, ` + item + f.from,
		Where:  c, Order: order, Limit: limit, Offset: offset,
	}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var id, number, day string
		var stage Stage
		var n int
		if err := row.Scan(&id, &number, &stage, &day, &n); err != nil {
			return figures.Record{}, err
		}
		if !named {
			return figures.Record{Label: "（个案，您的角色无权查看）", Date: day, Amount: 1}, nil
		}
		label := number + "·" + stage.Label()
		if f.item != "" {
			label += "·" + fmt.Sprintf(f.itemLabel, n)
		}
		return figures.Record{ID: id, Label: label, Date: day, Link: "/cases/" + id, Amount: 1}, nil
	})
}

// overdueTasks reads the rollup task_counts: the open tasks under the
// node due before today.
func overdueTasks(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (int64, error) {
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	var v int64
	err = q.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM task_counts WHERE node_id = ? AND due < ?`, n.ID, cst.Today()).Scan(&v)
	return v, err
}

func medianDays(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	f := caseCount("c.closed_on", "c.closed_on")
	c, err := f.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	rows, err := q.Query(ctx, `SELECT c.opened_on, c.closed_on`+f.from+c.Where(), c.Args()...)
	days, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (int, error) {
		var a, b string
		if err := r.Scan(&a, &b); err != nil {
			return 0, err
		}
		ta, err1 := cst.ParseDate(a)
		tb, err2 := cst.ParseDate(b)
		if err1 != nil || err2 != nil {
			return 0, nil
		}
		return int(tb.Sub(ta).Hours()/24 + 0.5), nil
	})
	if err != nil || len(days) == 0 {
		return 0, err
	}
	sort.Ints(days)
	m := len(days) / 2
	if len(days)%2 == 1 {
		return int64(days[m]), nil
	}
	return int64((days[m-1] + days[m]) / 2), nil
}
