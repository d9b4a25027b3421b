package visits

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/recipients"
)

// Visit figures (期间指标): visits made and people visited in the period
// (flows, by the instant of the visit and the node the person belonged
// to then), and people overdue or never visited (stocks, by the due
// windows of due.go).
func init() {
	figures.Register(figures.Figure{Key: "visits.made", Label: "探访人次", Unit: "次", Kind: figures.Flow, Module: "visits", RecordsPerm: authz.PermVisitsRead,
		Value: visitsMade, Records: visitsMadeRecords})
	figures.Register(figures.Figure{Key: "visits.people", Label: "探访人数", Unit: "人", Kind: figures.Flow, Module: "visits", RecordsPerm: authz.PermVisitsRead,
		Value: peopleVisited, Records: peopleVisitedRecords})
	figures.Register(figures.Figure{Key: "visits.overdue", ChildrenRule: true, Label: "逾期未探访人数", Unit: "人", Kind: figures.Stock, Module: "visits", RecordsPerm: authz.PermVisitsRead,
		Value: dueFigure(WindowOverdue), Records: dueRecords(WindowOverdue)})
	figures.Register(figures.Figure{Key: "visits.due_week", ChildrenRule: true, Label: "本周到期待探访人数", Unit: "人", Kind: figures.Stock, Module: "visits", RecordsPerm: authz.PermVisitsRead,
		Value: dueFigure(WindowWeek), Records: dueRecords(WindowWeek)})
	figures.Register(figures.Figure{Key: "visits.never", ChildrenRule: true, Label: "从未探访人数", Unit: "人", Kind: figures.Stock, Module: "visits", RecordsPerm: authz.PermVisitsRead,
		Value: dueFigure(WindowNever), Records: dueRecords(WindowNever)})
	recipients.OnChildCutoff(moveDueCounts)
}

// visitsIn are the conditions on a visit v (with its org node o) made in
// the period under the node.
func visitsIn(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	from, to := p.Stamps()
	c.Add("v.visited_at >= ? AND v.visited_at < ?", from, to) // as List reads dates: the (org, time) index serves it
	return c, nil
}

const visitsFrom = ` FROM org_units o JOIN visits v ON v.org_id = o.id`

func visitsMade(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := visitsIn(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+visitsFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func visitsMadeRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return nil, 0, err
	}
	c, err := visitsIn(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + visitsFrom,
		Select: `SELECT v.id, v.visit_date, v.method, r.name, r.birth_date` + visitsFrom + ` JOIN recipients r ON r.id = v.recipient_id`,
		Where:  c, Order: "v.visited_at DESC, v.id DESC", Limit: limit, Offset: offset,
	}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var id, day, name, birth string
		var m Method
		if err := row.Scan(&id, &day, &m, &name, &birth); err != nil {
			return figures.Record{}, err
		}
		if recipients.Hidden(actor, birth) {
			return figures.Record{Label: recipients.HiddenLabel(birth) + "·" + m.Label(), Date: day, Amount: 1}, nil
		}
		return figures.Record{ID: id, Label: name + "·" + m.Label(), Date: day, Link: "/visits/" + id, Amount: 1}, nil
	})
}

func peopleVisited(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := visitsIn(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(DISTINCT v.recipient_id)`+visitsFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func peopleVisitedRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return nil, 0, err
	}
	c, err := visitsIn(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	w, args := c.Where(), c.Args()
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT v.recipient_id)`+visitsFrom+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	// Each person with the day of their latest visit in the period.
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.birth_date, t.last FROM (SELECT v.recipient_id AS id, MAX(v.visit_date) AS last`+visitsFrom+w+
		` GROUP BY v.recipient_id) t JOIN recipients r ON r.id = t.id ORDER BY t.last DESC, r.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	out, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var id, name, birth, last string
		if err := row.Scan(&id, &name, &birth, &last); err != nil {
			return figures.Record{}, err
		}
		return recipients.PersonRecord(actor, id, name, birth, last), nil
	})
	return out, total, err
}

// dueIn are the conditions on a person in care r (with the org node o)
// in a due window today, under the node.
func dueIn(ctx context.Context, q db.Querier, actor *authz.Actor, w Window, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	c.Add(recipients.InCareCond("r"))
	now := cst.Now()
	wc, wargs := WindowCond(w, "r", now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout))
	c.Add(wc, wargs...)
	if cond, args := visibleCond(actor, "r"); cond != "" {
		c.Add(cond, args...) // the people the figure counts for this role (CountsClass)
	}
	return c, nil
}

// As DueList: the org nodes first, each with its (org, status, due) range.
const dueFrom = ` FROM org_units o CROSS JOIN recipients r`

// dueFigure reads the rollup due_counts: the people in care under the
// node, of the classes the actor's role counts, whose due date lies in
// the window today.
func dueFigure(w Window) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (int64, error) {
		n, err := figures.Scope(ctx, q, actor, orgID)
		if err != nil {
			return 0, err
		}
		now := cst.Now()
		wc, wargs := windowOn("due", w, now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout))
		var v int64
		err = q.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM due_counts WHERE node_id = ? AND hidden <= ? AND `+wc,
			append([]any{n.ID, recipients.CountsClass(actor)}, wargs...)...).Scan(&v)
		return v, err
	}
}

// moveDueCounts keeps due_counts' classes when the children line moves
// (recipients.RollChildCutoff): the people in care born in (from, to]
// leave their old class for the new one.
func moveDueCounts(ctx context.Context, tx *db.Tx, from, to string, hidden int) error {
	for _, step := range []struct{ class, sign int }{{1 - hidden, -1}, {hidden, 1}} {
		if _, err := tx.Exec(ctx, `INSERT INTO due_counts (node_id, hidden, due, n)
			SELECT a.ancestor_id, CAST(? AS INTEGER), t.due, SUM(t.n) * CAST(? AS BIGINT) FROM (
				SELECT org_id, next_visit_due AS due, COUNT(*) AS n FROM recipients
				WHERE birth_date > ? AND birth_date <= ? AND `+recipients.InCareCond("recipients")+` GROUP BY org_id, next_visit_due
			) t JOIN org_ancestors a ON a.org_id = t.org_id GROUP BY a.ancestor_id, t.due
			ON CONFLICT (node_id, hidden, due) DO UPDATE SET n = due_counts.n + excluded.n`,
			step.class, step.sign, from, to); err != nil {
			return err
		}
	}
	return nil
}

func dueRecords(w Window) figures.RecordsFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		if err := actor.Require(authz.PermVisitsRead); err != nil {
			return nil, 0, err
		}
		c, err := dueIn(ctx, q, actor, w, orgID)
		if err != nil {
			return nil, 0, err
		}
		c.Add("r.org_id = o.id")
		order := "r.next_visit_due, r.id"
		if w == WindowNever {
			order = "r.name, r.id"
		}
		// Each row's date: the due date passed, or the day the person was registered.
		return db.Page(ctx, q, db.PageQuery{
			Count:  `SELECT COUNT(*)` + dueFrom,
			Select: `SELECT r.id, r.name, r.birth_date, CASE WHEN r.next_visit_due = '' THEN r.created_at ELSE r.next_visit_due END` + dueFrom,
			Where:  c, Order: order, Limit: limit, Offset: offset,
		}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
			var id, name, birth, day string
			if err := row.Scan(&id, &name, &birth, &day); err != nil {
				return figures.Record{}, err
			}
			return recipients.PersonRecord(actor, id, name, birth, day), nil
		})
	}
}
