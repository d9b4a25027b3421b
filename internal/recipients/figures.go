package recipients

import (
	"context"
	"strconv"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// The registry's figures (期间指标): people in care (a stock) and people
// registered in the period (a flow, by the instant the record was made).
func init() {
	figures.ChildrenLeftOut = "不含未满 " + strconv.Itoa(ChildAge) + " 周岁的儿童"
	figures.Register(figures.Figure{Key: "recipients.in_care", ChildrenRule: true, Label: "在册服务对象", Unit: "人", Kind: figures.Stock, Module: "recipients", RecordsPerm: authz.PermRecipientsRead,
		Value: inCareFigure, Records: listFigure(inCareWhere, "r.name, r.id")})
	figures.Register(figures.Figure{Key: "recipients.registered", Label: "新登记服务对象", Unit: "人", Kind: figures.Flow, Module: "recipients", RecordsPerm: authz.PermRecipientsRead,
		Value: countFigure(registeredWhere), Records: listFigure(registeredWhere, "r.created_at, r.id")})
}

// A figure's conditions on "r" (recipients) for an org node's subtree.
type figureWhere func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error)

// subtreeWhere starts a figure's conditions: the node's subtree (checked
// against the actor's scope), in the form subtreeCond plans best.
func subtreeWhere(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	conds, args, err := subtreeCond(ctx, q, n.Path)
	if err != nil {
		return c, err
	}
	for _, cond := range conds {
		c.Add(cond, args...)
		args = nil // subtreeCond returns one condition holding all the arguments
	}
	return c, nil
}

// inCareFigure reads the rollup recipient_counts: the people in care
// under the node that the actor's role counts (CountsClass), who are the
// people its lists show (inCareWhere's drill-down applies the same rule).
func inCareFigure(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (int64, error) {
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	return CountInCare(ctx, q, actor, n.ID)
}

func inCareWhere(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (db.Conds, error) {
	c, err := subtreeWhere(ctx, q, actor, orgID)
	c.Add(InCareCond("r"))
	if cond, args := VisibleCond(actor, "r"); cond != "" {
		c.Add(cond, args...)
	}
	return c, err
}

func registeredWhere(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	c, err := subtreeWhere(ctx, q, actor, orgID)
	from, to := p.Stamps()
	c.Add("r.created_at >= ? AND r.created_at < ?", from, to)
	return c, err
}

func countFigure(where figureWhere) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
		c, err := where(ctx, q, actor, p, orgID)
		if err != nil {
			return 0, err
		}
		var n int64
		err = q.QueryRow(ctx, `SELECT COUNT(*) FROM recipients r`+c.Where(), c.Args()...).Scan(&n)
		return n, err
	}
}

// listFigure is a drill-down of recipients: their names, except those the
// children rule hides from the actor, who are counted but not named.
// Each row's date is the day the person was registered.
func listFigure(where figureWhere, order string) figures.RecordsFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		if err := actor.Require(authz.PermRecipientsRead); err != nil {
			return nil, 0, err
		}
		c, err := where(ctx, q, actor, p, orgID)
		if err != nil {
			return nil, 0, err
		}
		return db.Page(ctx, q, db.PageQuery{
			Count:  `SELECT COUNT(*) FROM recipients r`,
			Select: `SELECT r.id, r.name, r.birth_date, r.created_at FROM recipients r`,
			Where:  c, Order: order, Limit: limit, Offset: offset,
		}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
			var id, name, birth, created string
			if err := row.Scan(&id, &name, &birth, &created); err != nil {
				return figures.Record{}, err
			}
			return PersonRecord(actor, id, name, birth, created), nil
		})
	}
}

// PersonRecord is a figure's drill-down row naming a recipient (at is a
// stamp or a date; the row shows the China date): the name and a link to
// the person, or, when the children rule hides them from the actor, a
// row that counts without saying who.
func PersonRecord(actor *authz.Actor, id, name, birthDate, at string) figures.Record {
	if len(at) > len(cst.DateLayout) {
		if t, err := cst.ParseStamp(at); err == nil {
			at = t.In(cst.Loc).Format(cst.DateLayout)
		}
	}
	if Hidden(actor, birthDate) {
		return figures.Record{Label: HiddenLabel(birthDate), Date: at, Amount: 1}
	}
	return figures.Record{ID: id, Label: name, Date: at, Link: "/recipients/" + id, Amount: 1}
}

// HiddenLabel stands for the name of a person the children rule hides.
func HiddenLabel(birthDate string) string {
	if birthDate == "" {
		return "（出生日期不详，您的角色无权查看）"
	}
	return "（未满 " + itoa(ChildAge) + " 周岁的儿童，您的角色无权查看）"
}
