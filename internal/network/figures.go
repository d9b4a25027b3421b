package network

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/org"
)

// Network figures (期间指标): stations and rooms running (stocks).
func init() {
	figures.Register(figures.Figure{Key: "network.stations", Label: "运行中的社工站", Unit: "个", Kind: figures.Stock, Module: "network", RecordsPerm: authz.PermNetworkRead,
		Value: runningValue(org.KindStation), Records: runningRecords(org.KindStation)})
	figures.Register(figures.Figure{Key: "network.rooms", Label: "运行中的社工室", Unit: "个", Kind: figures.Stock, Module: "network", RecordsPerm: authz.PermNetworkRead,
		Value: runningValue(org.KindRoom), Records: runningRecords(org.KindRoom)})
}

// runningCond is "running" (运行中) for a station or room node o: the
// node is active, as the station and room lists filter it.
const runningCond = "o.active = 1"

// runningFrom reads station or room nodes o with their details d, the
// opening date among them (a node made outside this module has none).
func runningFrom(k org.Kind) string {
	table := "stations"
	if k == org.KindRoom {
		table = "rooms"
	}
	return ` FROM org_units o LEFT JOIN ` + table + ` d ON d.org_id = o.id`
}

func runningWhere(ctx context.Context, q db.Querier, actor *authz.Actor, k org.Kind, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	c.Add("o.kind = ?", k)
	c.Add(runningCond)
	return c, nil
}

func runningValue(k org.Kind) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (int64, error) {
		c, err := runningWhere(ctx, q, actor, k, orgID)
		if err != nil {
			return 0, err
		}
		var n int64
		err = q.QueryRow(ctx, `SELECT COUNT(*)`+runningFrom(k)+c.Where(), c.Args()...).Scan(&n)
		return n, err
	}
}

func runningRecords(k org.Kind) figures.RecordsFunc {
	link := "/network/stations/"
	if k == org.KindRoom {
		link = "/network/rooms/"
	}
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		if err := actor.Require(authz.PermNetworkRead); err != nil {
			return nil, 0, err
		}
		c, err := runningWhere(ctx, q, actor, k, orgID)
		if err != nil {
			return nil, 0, err
		}
		return db.Page(ctx, q, db.PageQuery{
			Count:  `SELECT COUNT(*)` + runningFrom(k),
			Select: `SELECT o.id, o.name, COALESCE(d.opened_on, '')` + runningFrom(k),
			Where:  c, Order: "o.path", Limit: limit, Offset: offset,
		}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
			r := figures.Record{Amount: 1}
			err := row.Scan(&r.ID, &r.Label, &r.Date)
			r.Link = link + r.ID
			return r, err
		})
	}
}
