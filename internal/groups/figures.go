package groups

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/recipients"
)

// Group figures (期间指标), flows under a node: groups planned (starting
// in the period, not cancelled) and held (with a session in the
// period), sessions held in the period and sessions planned (of the
// groups starting in it), attendances marked and present (人次), the
// attendance rate (in tenths of a percent, no drill-down: a ratio), and
// members measured before and after whose score improved (pre → post),
// counted in the period of their group's last session.
func init() {
	reg := func(key, label, unit string, scale int64, v figures.ValueFunc, r figures.RecordsFunc) {
		figures.Register(figures.Figure{Key: key, Label: label, Unit: unit, Scale: scale, Kind: figures.Flow, Module: "groups", RecordsPerm: authz.PermGroupsRead, Value: v, Records: r})
	}
	planned := groupMeasure{amount: "1", cond: "g.stage <> 'cancelled'"}
	reg("groups.planned", "计划小组数", "个", 0, planned.value, planned.records)
	sessPlanned := groupMeasure{amount: "g.planned_sessions", cond: "g.stage <> 'cancelled'"}
	reg("groups.sessions_planned", "计划小组节数", "节", 0, sessPlanned.value, sessPlanned.records)
	reg("groups.held", "开展小组数", "个", 0, groupsHeld, groupsHeldRecords)
	reg("groups.sessions_held", "开展小组节数", "节", 0, sessionCount(""), sessionRecords(""))
	reg("groups.attendance", "小组出席人次", "人次", 0, sessionCount("present"), sessionRecords("present"))
	reg("groups.attendance_marked", "小组应出席人次", "人次", 0, sessionCount("marked"), sessionRecords("marked"))
	figures.Register(figures.Figure{Key: "groups.attendance_rate", Label: "小组出勤率", Unit: "%", Scale: 10, Kind: figures.Flow, Module: "groups", RecordsPerm: authz.PermGroupsRead,
		Value: attendanceRate})
	reg("groups.improved", "前后测改善人数", "人", 0, improved, improvedRecords)
	figures.Register(figures.Figure{Key: "groups.change", Label: "前后测平均变化", Unit: "分", Scale: 10, Kind: figures.Flow, Module: "groups", RecordsPerm: authz.PermGroupsRead,
		Value: meanChange})
}

// measuredCond: members measured before and after, of a group whose last
// session lies in the period.
const measuredCond = `m.pre_score IS NOT NULL AND m.post_score IS NOT NULL
	AND (SELECT MAX(s.held_on) FROM grp_sessions s WHERE s.group_id = g.id) >= ? AND (SELECT MAX(s.held_on) FROM grp_sessions s WHERE s.group_id = g.id) <= ?`

// meanChange is the mean post − pre of those members, in tenths of a
// point (an average: no drill-down).
func meanChange(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	c.Add(measuredCond, p.Start(), p.End())
	var n, sum int64
	if err := q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(m.post_score - m.pre_score), 0)`+membersFrom+c.Where(), c.Args()...).Scan(&n, &sum); err != nil || n == 0 {
		return 0, err
	}
	v := sum * 10 / n
	if r := sum * 10 % n; 2*r >= n {
		v++
	} else if 2*r <= -n {
		v--
	}
	return v, nil
}

const groupsFrom = ` FROM org_units o JOIN grp_groups g ON g.org_id = o.id`

func scope(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	return c, nil
}

type groupMeasure struct{ amount, cond string }

func (m groupMeasure) conds(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	c.Add("g.starts_on >= ? AND g.starts_on <= ?", p.Start(), p.End())
	c.Add(m.cond)
	return c, nil
}

func (m groupMeasure) value(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := m.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRow(ctx, `SELECT COALESCE(SUM(`+m.amount+`), 0)`+groupsFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func groupRecord(row interface{ Scan(...any) error }) (figures.Record, error) {
	var r figures.Record
	var org string
	err := row.Scan(&r.ID, &r.Label, &org, &r.Date, &r.Amount)
	r.Label = org + "·" + r.Label
	r.Link = "/groups/" + r.ID
	return r, err
}

func (m groupMeasure) records(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return nil, 0, err
	}
	c, err := m.conds(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	c.Add(m.amount + " > 0")
	return db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*)` + groupsFrom,
		Select: `SELECT g.id, g.name, o.name, g.starts_on, ` + m.amount + groupsFrom, Where: c, Order: "g.starts_on DESC, g.id DESC", Limit: limit, Offset: offset},
		groupRecord)
}

const sessionsFrom = ` FROM org_units o JOIN grp_groups g ON g.org_id = o.id JOIN grp_sessions s ON s.group_id = g.id`

func sessionConds(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	c.Add("s.held_on >= ? AND s.held_on <= ?", p.Start(), p.End())
	return c, nil
}

// sessionAmount is what a session counts: 1, its members present, or
// its attendance marked.
func sessionAmount(what string) string {
	switch what {
	case "present":
		return "(SELECT COUNT(*) FROM grp_attendance a WHERE a.session_id = s.id AND a.status = 'present')"
	case "marked":
		return "(SELECT COUNT(*) FROM grp_attendance a WHERE a.session_id = s.id)"
	}
	return "1"
}

func sessionCount(what string) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
		c, err := sessionConds(ctx, q, actor, p, orgID)
		if err != nil {
			return 0, err
		}
		var n int64
		err = q.QueryRow(ctx, `SELECT COALESCE(SUM(`+sessionAmount(what)+`), 0)`+sessionsFrom+c.Where(), c.Args()...).Scan(&n)
		return n, err
	}
}

func sessionRecords(what string) figures.RecordsFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		if err := actor.Require(authz.PermGroupsRead); err != nil {
			return nil, 0, err
		}
		c, err := sessionConds(ctx, q, actor, p, orgID)
		if err != nil {
			return nil, 0, err
		}
		if what != "" {
			c.Add(sessionAmount(what) + " > 0")
		}
		return db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*)` + sessionsFrom,
			Select: `SELECT g.id, g.name, o.name, s.held_on, ` + sessionAmount(what) + sessionsFrom, Where: c, Order: "s.held_on DESC, s.id DESC",
			Limit: limit, Offset: offset}, groupRecord)
	}
}

func attendanceRate(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	present, err := sessionCount("present")(ctx, q, actor, p, orgID)
	if err != nil {
		return 0, err
	}
	marked, err := sessionCount("marked")(ctx, q, actor, p, orgID)
	if err != nil || marked == 0 {
		return 0, err
	}
	return (present*1000 + marked/2) / marked, nil
}

// heldCond: groups with a session in the period.
const heldCond = `EXISTS (SELECT 1 FROM grp_sessions s WHERE s.group_id = g.id AND s.held_on >= ? AND s.held_on <= ?)`

func groupsHeld(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	c.Add(heldCond, p.Start(), p.End())
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+groupsFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func groupsHeldRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return nil, 0, err
	}
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return nil, 0, err
	}
	c.Add(heldCond, p.Start(), p.End())
	return db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*)` + groupsFrom,
		Select: `SELECT g.id, g.name, o.name, g.starts_on, 1` + groupsFrom, Where: c, Order: "g.starts_on DESC, g.id DESC", Limit: limit, Offset: offset},
		groupRecord)
}

// improvedCond: a member measured before and after whose score moved the
// better way (the scale says which), of a group whose last session lies
// in the period.
const membersFrom = ` FROM org_units o JOIN grp_groups g ON g.org_id = o.id JOIN grp_members m ON m.group_id = g.id LEFT JOIN grp_scales sc ON sc.id = g.scale_id`

const improvedCond = `m.pre_score IS NOT NULL AND m.post_score IS NOT NULL
	AND ((COALESCE(sc.higher_better, 1) = 1 AND m.post_score > m.pre_score) OR (sc.higher_better = 0 AND m.post_score < m.pre_score))
	AND (SELECT MAX(s.held_on) FROM grp_sessions s WHERE s.group_id = g.id) >= ? AND (SELECT MAX(s.held_on) FROM grp_sessions s WHERE s.group_id = g.id) <= ?`

func improved(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	c.Add(improvedCond, p.Start(), p.End())
	var n int64
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+membersFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

func improvedRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return nil, 0, err
	}
	c, err := scope(ctx, q, actor, orgID)
	if err != nil {
		return nil, 0, err
	}
	c.Add(improvedCond, p.Start(), p.End())
	return db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*)` + membersFrom,
		Select: `SELECT g.id, g.name, m.name, COALESCE(r.birth_date, ''), (SELECT MAX(s.held_on) FROM grp_sessions s WHERE s.group_id = g.id)` + membersFrom +
			` LEFT JOIN recipients r ON r.id = m.recipient_id`,
		Where: c, Order: "g.id, m.id", Limit: limit, Offset: offset},
		func(row interface{ Scan(...any) error }) (figures.Record, error) {
			var r figures.Record
			var group, name, birth string
			err := row.Scan(&r.ID, &group, &name, &birth, &r.Date)
			if birth != "" && recipients.Hidden(actor, birth) {
				name = recipients.HiddenLabel(birth)
			}
			r.Label, r.Link, r.Amount = group+"·"+name, "/groups/"+r.ID, 1
			return r, err
		})
}
