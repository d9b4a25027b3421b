package casework

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/timeline"
)

// A person's cases on their timeline (as client or household member):
// stage changes and other milestones, and log entries by kind and
// length — never content, which stays on the case page.
func init() {
	timeline.Register(timeline.Source{Name: "casework.events", Module: "casework", Entries: eventEntries})
	timeline.Register(timeline.Source{Name: "casework.logs", Module: "casework", Entries: logEntries})
}

const personCases = `(SELECT c.id FROM cases c WHERE c.recipient_id = ? UNION SELECT m.case_id FROM case_members m WHERE m.recipient_id = ?)`

func eventEntries(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	if !actor.Can(authz.PermCaseworkRead) {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT e.case_id, c.number, e.at, e.kind, e.stage, e.note FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.case_id IN `+personCases+` AND e.at < ? ORDER BY e.at DESC, e.id DESC LIMIT ?`, recipientID, recipientID, before, limit)
	return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (e timeline.Entry, err error) {
		var id, number, kind, note string
		var stage Stage
		err = r.Scan(&id, &number, &e.At, &kind, &stage, &note)
		e.Kind, e.Link, e.Detail = "case_"+kind, "/cases/"+id, note
		switch kind {
		case "stage":
			e.Title = "个案 " + number + " 进入“" + stage.Label() + "”阶段"
		case "reopened":
			e.Title = "个案 " + number + " 重开"
		default:
			e.Title = "个案 " + number + "：" + note
			e.Detail = ""
		}
		return e, err
	})
}

func logEntries(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	if !actor.Can(authz.PermCaseworkRead) {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT l.case_id, c.number, l.logged_at, l.kind, l.minutes FROM case_logs l JOIN cases c ON c.id = l.case_id
		WHERE l.case_id IN `+personCases+` AND l.logged_at < ? ORDER BY l.logged_at DESC, l.id DESC LIMIT ?`, recipientID, recipientID, before, limit)
	return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (e timeline.Entry, err error) {
		var id, number, kind string
		var minutes int
		err = r.Scan(&id, &number, &e.At, &kind, &minutes)
		e.Kind, e.Link = "case_log", "/cases/"+id
		e.Title = "个案介入（" + LogKindLabel(kind) + "）"
		e.Detail = "个案 " + number + "；时长 " + itoa(minutes) + " 分钟"
		return e, err
	})
}
