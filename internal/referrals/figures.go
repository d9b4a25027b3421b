package referrals

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// Referral figures: sent, accepted (received, whether completed later
// or not) and completed in the period, by their China dates.
func init() {
	reg := func(key, label, dateCol, extra string) {
		f := count{dateCol: dateCol, extra: extra}
		figures.Register(figures.Figure{Key: key, Label: label, Unit: "次", Kind: figures.Flow, Module: "referrals", Value: f.value, Records: f.records})
	}
	reg("referrals.sent", "转介发出次数", "f.sent_on", "")
	reg("referrals.accepted", "转介被接收次数", "f.answered_on", "f.status IN ('received', 'completed') OR (f.status = 'withdrawn' AND f.answered_on <> '')")
	reg("referrals.completed", "转介完成次数", "f.completed_on", "f.status = 'completed'")
}

type count struct{ dateCol, extra string }

const from = ` FROM org_units o JOIN referrals f ON f.org_id = o.id`

func (c count) conds(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	var w db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return w, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	w.Add(cond, args...)
	w.Add(c.dateCol+" >= ? AND "+c.dateCol+" <= ?", p.Start(), p.End())
	if c.extra != "" {
		w.Add("(" + c.extra + ")")
	}
	return w, nil
}

func (c count) value(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	w, err := c.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+from+w.Where(), w.Args()...).Scan(&n)
	return n, err
}

func (c count) records(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	named := actor.Can(authz.PermReferralsRead)
	w, err := c.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + from,
		Select: `SELECT f.id, f.status, ` + c.dateCol + from,
		Where:  w, Order: c.dateCol + " DESC, f.id DESC", Limit: limit, Offset: offset,
	}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var id, status, day string
		if err := row.Scan(&id, &status, &day); err != nil {
			return figures.Record{}, err
		}
		if !named {
			return figures.Record{Label: "（转介，您的角色无权查看）", Date: day, Amount: 1}, nil
		}
		return figures.Record{ID: id, Label: "转介·" + StatusLabel(status), Date: day, Link: "/referrals/" + id, Amount: 1}, nil
	})
}
