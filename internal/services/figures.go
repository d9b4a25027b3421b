package services

import (
	"context"
	"strconv"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/recipients"
)

// Service figures (期间指标), flows by the instant of service and the
// node that served: 服务人次 (each record's participants: 1 for a named
// person, the count for anonymous ones), 服务对象数 (distinct named
// people: anonymous participants cannot be told apart and are counted in
// 人次 only), service hours, and resources linked (count and value).
func init() {
	figures.Register(figures.Figure{Key: "services.instances", Label: "服务人次", Unit: "人次", Kind: figures.Flow, Module: "services", RecordsPerm: authz.PermServicesRead,
		Value: sumFigure("SUM(s.participants)", ""), Records: recordList("s.participants", "")})
	figures.Register(figures.Figure{Key: "services.people", Label: "服务对象数", Unit: "人", Kind: figures.Flow, Module: "services", RecordsPerm: authz.PermServicesRead,
		Value: peopleServed, Records: peopleServedRecords})
	figures.Register(figures.Figure{Key: "services.hours", Label: "服务时长", Unit: "小时", Scale: 60, Kind: figures.Flow, Module: "services", RecordsPerm: authz.PermServicesRead,
		Value: sumFigure("SUM(s.minutes)", ""), Records: recordList("s.minutes", "s.minutes > 0")})
	figures.Register(figures.Figure{Key: "services.resources", Label: "链接资源次数", Unit: "次", Kind: figures.Flow, Module: "services", RecordsPerm: authz.PermServicesRead,
		Value: sumFigure("COUNT(*)", "s.kind = 'resource'"), Records: recordList("1", "s.kind = 'resource'")})
	figures.Register(figures.Figure{Key: "services.resources_value", Label: "链接资源价值", Unit: "元", Scale: 100, Kind: figures.Flow, Module: "services", RecordsPerm: authz.PermServicesRead,
		Value: sumFigure("SUM(s.value_fen)", "s.kind = 'resource'"), Records: recordList("s.value_fen", "s.kind = 'resource' AND s.value_fen > 0")})
}

const recordsFrom = ` FROM org_units o JOIN service_records s ON s.org_id = o.id`

// recordsIn are the conditions on a record s (node o) of the period
// under the node.
func recordsIn(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID, extra string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	from, to := p.Stamps()
	c.Add("s.served_at >= ? AND s.served_at < ?", from, to)
	if extra != "" {
		c.Add(extra)
	}
	return c, nil
}

func sumFigure(agg, extra string) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
		c, err := recordsIn(ctx, q, actor, p, orgID, extra)
		if err != nil {
			return 0, err
		}
		var n int64
		err = q.QueryRow(ctx, `SELECT COALESCE(`+agg+`, 0)`+recordsFrom+c.Where(), c.Args()...).Scan(&n)
		return n, err
	}
}

func recordList(amount, extra string) figures.RecordsFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		if err := actor.Require(authz.PermServicesRead); err != nil {
			return nil, 0, err
		}
		c, err := recordsIn(ctx, q, actor, p, orgID, extra)
		if err != nil {
			return nil, 0, err
		}
		return db.Page(ctx, q, db.PageQuery{
			Count: `SELECT COUNT(*)` + recordsFrom,
			Select: `SELECT s.id, s.served_on, s.kind, s.participants, COALESCE(s.recipient_id, ''), COALESCE(r.name, ''), COALESCE(r.birth_date, ''), ` + amount +
				recordsFrom + ` LEFT JOIN recipients r ON r.id = s.recipient_id`,
			Where: c, Order: "s.served_at DESC, s.id DESC", Limit: limit, Offset: offset,
		}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
			var id, day, rid, name, birth string
			var kind Kind
			var n int
			var amt int64
			if err := row.Scan(&id, &day, &kind, &n, &rid, &name, &birth, &amt); err != nil {
				return figures.Record{}, err
			}
			switch {
			case rid == "":
				name = "匿名参与 " + strconv.Itoa(n) + " 人次"
			case recipients.Hidden(actor, birth):
				return figures.Record{Label: recipients.HiddenLabel(birth) + "·" + kind.Label(), Date: day, Amount: amt}, nil
			}
			return figures.Record{ID: id, Label: name + "·" + kind.Label(), Date: day, Link: "/services/" + id, Amount: amt}, nil
		})
	}
}

func peopleServed(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := recordsIn(ctx, q, actor, p, orgID, "s.recipient_id IS NOT NULL")
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(DISTINCT s.recipient_id)`+recordsFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func peopleServedRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermServicesRead); err != nil {
		return nil, 0, err
	}
	c, err := recordsIn(ctx, q, actor, p, orgID, "s.recipient_id IS NOT NULL")
	if err != nil {
		return nil, 0, err
	}
	w, args := c.Where(), c.Args()
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT s.recipient_id)`+recordsFrom+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.birth_date, t.last FROM (SELECT s.recipient_id AS id, MAX(s.served_on) AS last`+recordsFrom+w+
		` GROUP BY s.recipient_id) t JOIN recipients r ON r.id = t.id ORDER BY t.last DESC, r.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	out, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var id, name, birth, last string
		if err := row.Scan(&id, &name, &birth, &last); err != nil {
			return figures.Record{}, err
		}
		return recipients.PersonRecord(actor, id, name, birth, last), nil
	})
	return out, total, err
}
