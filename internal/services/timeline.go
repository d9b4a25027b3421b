package services

import (
	"context"
	"strconv"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/timeline"
)

// A person's service records on their timeline, for roles that read
// them, except those whose source shows its own entries (visits,
// casework logs). Content stays on the record's page.
func init() {
	timeline.Register(timeline.Source{Name: "services.records", Module: "services", Entries: recordEntries})
}

func recordEntries(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	if !actor.Can(authz.PermServicesRead) {
		return nil, nil
	}
	var own []any
	for name, s := range sources {
		if s.OwnTimeline {
			own = append(own, name)
		}
	}
	skip := ""
	if len(own) > 0 {
		skip = ` AND s.source NOT IN (` + db.Placeholders(len(own)) + `)`
	}
	args := append([]any{recipientID, before}, own...)
	rows, err := q.Query(ctx, `SELECT s.id, s.served_at, s.kind, s.category, s.minutes, s.source, s.source_id, o.path
		FROM service_records s JOIN org_units o ON o.id = s.org_id
		WHERE s.recipient_id = ? AND s.served_at < ?`+skip+` ORDER BY s.served_at DESC, s.id DESC LIMIT ?`, append(args, limit)...)
	type row struct {
		e                       timeline.Entry
		kind                    Kind
		category, source, srcID string
		path                    string
		minutes                 int
	}
	got, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x row, err error) {
		var id string
		err = r.Scan(&id, &x.e.At, &x.kind, &x.category, &x.minutes, &x.source, &x.srcID, &x.path)
		x.e.Link = "/services/" + id
		return x, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]timeline.Entry, 0, len(got))
	for _, x := range got {
		cats, err := Categories(ctx, q, x.path)
		if err != nil {
			return nil, err
		}
		e := x.e
		e.Kind, e.Title = "service", "服务（"+x.kind.Label()+"）"
		e.Detail = "内容分类：" + CategoryLabel(cats, x.category)
		if x.minutes > 0 {
			e.Detail += "；时长 " + strconv.Itoa(x.minutes) + " 分钟"
		}
		if s, ok := sources[x.source]; ok && s.Link != nil {
			e.Link = s.Link(x.srcID)
		}
		out = append(out, e)
	}
	return out, nil
}
