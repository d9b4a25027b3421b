package workforce

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// Workforce figures (期间指标): the people of the registry (stocks) and
// the hours of training and volunteer service in the period (flows, in
// minutes, shown as hours: Scale 60).
func init() {
	figures.Register(figures.Figure{Key: "workforce.workers", Label: "在岗社会工作者", Unit: "人", Kind: figures.Stock, Module: "workforce", RecordsPerm: authz.PermWorkforceRead,
		Value: countFigure(workersFrom, workersWhere(false)), Records: workerRecords(workersWhere(false))})
	figures.Register(figures.Figure{Key: "workforce.certified", Label: "持证社会工作者", Unit: "人", Kind: figures.Stock, Module: "workforce", RecordsPerm: authz.PermWorkforceRead,
		Value: countFigure(workersFrom, workersWhere(true)), Records: workerRecords(workersWhere(true))})
	figures.Register(figures.Figure{Key: "workforce.volunteers", Label: "注册志愿者", Unit: "人", Kind: figures.Stock, Module: "workforce", RecordsPerm: authz.PermWorkforceRead,
		Value: countFigure(volunteersFrom, volunteersWhere), Records: volunteerRecords})
	figures.Register(figures.Figure{Key: "workforce.training_hours", Label: "培训学时", Unit: "小时", Scale: 60, Kind: figures.Flow, Module: "workforce", RecordsPerm: authz.PermWorkforceRead,
		Value: sumFigure(trainingHoursFrom, "t.minutes", trainingWhere), Records: trainingRecords})
	figures.Register(figures.Figure{Key: "workforce.volunteer_hours", Label: "志愿服务时长", Unit: "小时", Scale: 60, Kind: figures.Flow, Module: "workforce", RecordsPerm: authz.PermWorkforceRead,
		Value: sumFigure(volunteerHoursFrom, "h.minutes", volunteerHoursWhere), Records: volunteerHourRecords})
}

// volunteerHoursFrom reads service hours h with their volunteer v and the
// volunteer's org node o (the statistics read it too).
const volunteerHoursFrom = ` FROM wf_volunteer_hours h JOIN wf_volunteers v ON v.id = h.volunteer_id JOIN org_units o ON o.id = v.org_id`

// trainingHoursFrom reads attendances a of trainings t, each credited with
// the training's minutes at the attendee's node o (worker w or volunteer
// v), as the statistics count person-hours.
const trainingHoursFrom = ` FROM wf_training_attendees a JOIN wf_trainings t ON t.id = a.training_id
	LEFT JOIN wf_workers w ON a.person_kind = 'worker' AND w.id = a.person_id
	LEFT JOIN wf_volunteers v ON a.person_kind = 'volunteer' AND v.id = a.person_id
	JOIN org_units o ON o.id = COALESCE(w.org_id, v.org_id)`

const workersFrom = ` FROM wf_workers w JOIN org_units o ON o.id = w.org_id`
const volunteersFrom = ` FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id`

type figureWhere func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error)

func subtree(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (db.Conds, error) {
	var c db.Conds
	n, err := figures.Scope(ctx, q, actor, orgID)
	if err != nil {
		return c, err
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	c.Add(cond, args...)
	return c, nil
}

// workersWhere: staff (StaffCond, as the coverage's staff count and the
// statistics); certified, those holding a certificate (not
// only an exam pass) obtained by today, as highestLevel reads them.
func workersWhere(certified bool) figureWhere {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (db.Conds, error) {
		c, err := subtree(ctx, q, actor, orgID)
		c.Add(StaffCond("w", "o"))
		if certified {
			c.Add("EXISTS (SELECT 1 FROM wf_qualifications qf WHERE qf.worker_id = w.id AND qf.stage = ? AND qf.obtained_on <= ?)",
				StageCertificate, cst.Today())
		}
		return c, err
	}
}

func volunteersWhere(ctx context.Context, q db.Querier, actor *authz.Actor, _ figures.Period, orgID string) (db.Conds, error) {
	c, err := subtree(ctx, q, actor, orgID)
	c.Add("v.status = 'active'")
	return c, err
}

// trainingWhere: trainings starting in the period (the statistics count
// a training in the year it starts).
func trainingWhere(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	c, err := subtree(ctx, q, actor, orgID)
	c.Add("t.start_on >= ? AND t.start_on <= ?", p.Start(), p.End())
	return c, err
}

func volunteerHoursWhere(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (db.Conds, error) {
	c, err := subtree(ctx, q, actor, orgID)
	c.Add("h.served_on >= ? AND h.served_on <= ?", p.Start(), p.End())
	return c, err
}

func countFigure(from string, where figureWhere) figures.ValueFunc {
	return sumFigure(from, "1", where)
}

func sumFigure(from, amount string, where figureWhere) figures.ValueFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string) (int64, error) {
		c, err := where(ctx, q, actor, p, orgID)
		if err != nil {
			return 0, err
		}
		var n int64
		err = q.QueryRow(ctx, `SELECT COALESCE(SUM(`+amount+`), 0)`+from+c.Where(), c.Args()...).Scan(&n)
		return n, err
	}
}

// records runs a drill-down page for a workforce figure.
func records(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int,
	where figureWhere, from, columns, order string, link string) ([]figures.Record, int, error) {
	if err := actor.Require(authz.PermWorkforceRead); err != nil {
		return nil, 0, err
	}
	c, err := where(ctx, q, actor, p, orgID)
	if err != nil {
		return nil, 0, err
	}
	return db.Page(ctx, q, db.PageQuery{
		Count: `SELECT COUNT(*)` + from, Select: `SELECT ` + columns + from,
		Where: c, Order: order, Limit: limit, Offset: offset,
	}, func(row interface{ Scan(...any) error }) (figures.Record, error) {
		var r figures.Record
		var linkID string
		err := row.Scan(&r.ID, &r.Label, &r.Date, &r.Amount, &linkID)
		r.Link = link + linkID
		return r, err
	})
}

func workerRecords(where figureWhere) figures.RecordsFunc {
	return func(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
		return records(ctx, q, actor, p, orgID, limit, offset, where, workersFrom,
			"w.id, w.name, w.hired_on, 1, w.id", "w.name, w.id", "/workforce/workers/")
	}
}

func volunteerRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	return records(ctx, q, actor, p, orgID, limit, offset, volunteersWhere, volunteersFrom,
		"v.id, v.name, v.registered_on, 1, v.id", "v.name, v.id", "/workforce/volunteers/")
}

// One row per attendance: the training, the attendee, the minutes credited.
func trainingRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	return records(ctx, q, actor, p, orgID, limit, offset, trainingWhere, trainingHoursFrom,
		"t.id, t.title || '·' || COALESCE(w.name, v.name), t.start_on, t.minutes, t.id", "t.start_on DESC, t.id, a.person_kind, a.person_id", "/workforce/trainings/")
}

func volunteerHourRecords(ctx context.Context, q db.Querier, actor *authz.Actor, p figures.Period, orgID string, limit, offset int) ([]figures.Record, int, error) {
	return records(ctx, q, actor, p, orgID, limit, offset, volunteerHoursWhere, volunteerHoursFrom,
		"h.id, v.name || '·' || h.activity, h.served_on, h.minutes, v.id", "h.served_on DESC, h.id", "/workforce/volunteers/")
}
