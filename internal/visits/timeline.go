package visits

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/timeline"
)

// A person's visits and major changes on their timeline, for roles that
// read visit records (visits.read); others see the rest of the timeline.
// Findings stay on the visit's own page.
func init() {
	timeline.Register(timeline.Source{Name: "visits.visits", Module: "visits", Entries: visitEntries})
	timeline.Register(timeline.Source{Name: "visits.major_changes", Module: "visits", Entries: majorChangeEntries})
}

func visitEntries(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	if !actor.Can(authz.PermVisitsRead) {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT v.id, v.visited_at, v.method, v.risk_tier, v.follow_up, COALESCE(c.name, '')
		FROM visits v LEFT JOIN visit_campaigns c ON c.id = v.campaign_id
		WHERE v.recipient_id = ? AND v.visited_at < ? ORDER BY v.visited_at DESC, v.id DESC LIMIT ?`, recipientID, before, limit)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (timeline.Entry, error) {
		var e timeline.Entry
		var id, campaign string
		var m Method
		var tier Tier
		var follow FollowUp
		if err := row.Scan(&id, &e.At, &m, &tier, &follow, &campaign); err != nil {
			return e, err
		}
		e.Kind, e.Title, e.Link = "visit", "探访（"+m.Label()+"）", "/visits/"+id
		var parts []string
		if tier != "" {
			parts = append(parts, "风险等级："+tier.Label())
		}
		if follow != "" && follow != FollowNone {
			parts = append(parts, "跟进："+follow.Label())
		}
		if campaign != "" {
			parts = append(parts, "排查："+campaign)
		}
		e.Detail = joinParts(parts)
		return e, nil
	})
}

func majorChangeEntries(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	if !actor.Can(authz.PermVisitsRead) {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT m.reported_at, m.kind, m.due_on, COALESCE(m.visit_id, '')
		FROM visit_major_changes m WHERE m.recipient_id = ? AND m.reported_at < ? ORDER BY m.reported_at DESC, m.id DESC LIMIT ?`,
		recipientID, before, limit)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (timeline.Entry, error) {
		var e timeline.Entry
		var kind ChangeKind
		var due, visit string
		if err := row.Scan(&e.At, &kind, &due, &visit); err != nil {
			return e, err
		}
		e.Kind, e.Title = "major_change", "重大变化："+kind.Label()
		if visit != "" {
			e.Detail, e.Link = "已探访", "/visits/"+visit
		} else {
			e.Detail, e.Link = "应于 "+due+" 前探访", "/recipients/"+recipientID
			if due < cst.Today() {
				e.Detail = "应于 " + due + " 前探访，已逾期"
			}
		}
		return e, nil
	})
}

func joinParts(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "；"
		}
		out += p
	}
	return out
}
