package activities

import (
	"context"
	"strconv"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// Activity figures (期间指标), flows under a node: activities and policy
// publicity (宣讲) planned in the period (by planned date, not cancelled)
// and held (by the day held), 参与人次 (the held activities' totals),
// their volunteer hours, and the themes covered (distinct themes of the
// activities held).
func init() {
	reg := func(key, label, unit string, scale int64, v figures.ValueFunc, r figures.RecordsFunc) {
		figures.Register(figures.Figure{Key: key, Label: label, Unit: unit, Scale: scale, Kind: figures.Flow, Module: "activities", RecordsPerm: authz.PermActivitiesRead, Value: v, Records: r})
	}
	planned := measure{date: "a.planned_on", cond: "a.status <> 'cancelled'", amount: "1"}
	held := measure{date: "a.held_on", cond: "a.status IN ('held', 'archived')", amount: "1"}
	reg("activities.planned", "计划活动数", "场", 0, planned.value, planned.records)
	reg("activities.held", "开展活动数", "场", 0, held.value, held.records)
	pp, ph := planned, held
	pp.cond += " AND a.kind = 'publicity'"
	ph.cond += " AND a.kind = 'publicity'"
	reg("activities.publicity_planned", "计划宣讲场次", "场", 0, pp.value, pp.records)
	reg("activities.publicity_held", "开展宣讲场次", "场", 0, ph.value, ph.records)
	people := held
	people.amount = "a.participants"
	reg("activities.participants", "活动参与人次", "人次", 0, people.value, people.records)
	vh := held
	vh.amount, vh.cond = "a.volunteer_minutes", held.cond+" AND a.volunteer_minutes > 0"
	reg("activities.volunteer_hours", "活动志愿服务时长", "小时", 60, vh.value, vh.records)
	reg("activities.themes", "覆盖主题数", "个", 0, themesCovered, themesCoveredRecords)
}

// measure is a figure over activities a (node o): dated by a date
// column, filtered, each counting an amount.
type measure struct{ date, cond, amount string }

const activitiesFrom = ` FROM org_units o JOIN activities a ON a.org_id = o.id`

func (m measure) conds(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	c.Add(m.date+" >= ? AND "+m.date+" <= ?", p.Start(), p.End())
	c.Add(m.cond)
	return c, nil
}

func (m measure) value(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := m.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COALESCE(SUM(`+m.amount+`), 0)`+activitiesFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func (m measure) records(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return nil, 0, err
	}
	c, err := m.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	if m.amount != "1" {
		c.Add(m.amount + " > 0")
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + activitiesFrom,
		Select: `SELECT a.id, a.title, a.kind, o.name, ` + m.date + `, ` + m.amount + activitiesFrom,
		Where:  c, Order: m.date + " DESC, a.id DESC", Limit: limit, Offset: offset,
	}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var r figures.Record
		var kind Kind
		var org string
		err := row.Scan(&r.ID, &r.Label, &kind, &org, &r.Date, &r.Amount)
		r.Label = org + "·" + kind.Label() + "·" + r.Label
		r.Link = "/activities/" + r.ID
		return r, err
	})
}

var themesHeld = measure{date: "a.held_on", cond: "a.status IN ('held', 'archived') AND a.theme <> ''"}

func themesCovered(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := themesHeld.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(DISTINCT a.theme)`+activitiesFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

// themesCoveredRecords lists each theme once, dated by its first
// activity held in the period.
func themesCoveredRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return nil, 0, err
	}
	c, err := themesHeld.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT a.theme)`+activitiesFrom+c.Where(), c.Args()...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.Query(ctx, `SELECT a.theme, MIN(a.held_on), COUNT(*)`+activitiesFrom+c.Where()+` GROUP BY a.theme ORDER BY MIN(a.held_on), a.theme LIMIT ? OFFSET ?`,
		append(c.Args(), limit, offset)...)
	out, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var r figures.Record
		var n int
		err := row.Scan(&r.Label, &r.Date, &n)
		r.Amount = 1
		r.Label += "（" + itoa(n) + " 场）"
		return r, err
	})
	return out, total, err
}
func itoa(n int) string { return strconv.Itoa(n) }
